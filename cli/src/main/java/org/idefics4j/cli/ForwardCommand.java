package org.idefics4j.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code idefics4j forward}: one forward pass from raw tensors, outputs to a safetensors file. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run one forward pass of a checkpoint on input tensors and write the outputs.")
public final class ForwardCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("forward is not implemented yet");
    }
}
