package org.idefics4j.cli;

import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.safetensors.SafetensorsWriter;
import org.idefics4j.model.IdeficsCausalLMOutput;
import org.idefics4j.model.IdeficsForVisionText2Text;
import org.idefics4j.model.IdeficsInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code idefics4j forward}: one forward pass of {@code IdeficsForVisionText2Text} on tensors named
 * like the forward arguments, the outputs written to a safetensors file: how a user checks us
 * against transformers on their own inputs.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = {"Run one forward pass of a checkpoint on input tensors and write the outputs.",
                "Inputs (safetensors, named like the forward arguments): input_ids, attention_mask, position_ids, "
                        + "pixel_values, image_encoder_embeddings, perceiver_embeddings, image_attention_mask, labels.",
                "Outputs: logits, loss (with labels), last_hidden_state, image_hidden_states, hidden_states.{i} "
                        + "(with --hidden-states)."})
public final class ForwardCommand implements Callable<Integer> {
    private static final Set<String> KNOWN = Set.of("input_ids", "attention_mask", "position_ids", "pixel_values",
            "image_encoder_embeddings", "perceiver_embeddings", "image_attention_mask", "labels");

    @Option(names = "--model", required = true, description = "Checkpoint folder (config.json + model.safetensors or shards).")
    Path model;

    @Option(names = "--inputs", required = true, description = "Input tensors (.safetensors).")
    Path inputs;

    @Option(names = "--out", required = true, description = "Where to write the outputs (.safetensors).")
    Path out;

    @Option(names = "--hidden-states", description = "Also write hidden_states.0 .. hidden_states.L.")
    boolean hiddenStates;

    @Option(names = "--interpolate-pos-encoding", description = "Accept images of another size than the config's.")
    boolean interpolatePosEncoding;

    @Override
    public Integer call() {
        IdeficsForVisionText2Text lm = IdeficsForVisionText2Text.fromPretrained(model);
        IdeficsInputs in = InputTensors.read(inputs, KNOWN);
        in.outputHiddenStates = hiddenStates;
        in.interpolatePosEncoding = interpolatePosEncoding;
        in.useCache = false;
        IdeficsCausalLMOutput o = lm.forward(in);

        Map<String, Tensor> result = new LinkedHashMap<>();
        result.put("logits", o.logits());
        if (o.loss() != null) result.put("loss", Tensor.of(new float[]{o.loss().floatValue()}));
        result.put("last_hidden_state", o.lastHiddenState());
        result.put("image_hidden_states", o.imageHiddenStates());
        if (o.hiddenStates() != null) {
            for (int i = 0; i < o.hiddenStates().size(); i++) result.put("hidden_states." + i, o.hiddenStates().get(i));
        }
        SafetensorsWriter.writeFloats(out, result, Map.of("format", "pt", "producer", "idefics4j forward"));
        System.err.println("wrote " + result.keySet() + " to " + out);
        return 0;
    }

}
