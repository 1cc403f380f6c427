package org.idefics4j.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.idefics4j.engine.DType;
import org.idefics4j.generation.IdeficsPipeline;
import org.idefics4j.model.LoadOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/** Loading checkpoints from the command line: dtype option, progress bar, image arguments. */
final class Loading {
    private Loading() {
    }

    static DType dtype(String name) {
        if (name == null) return null;
        return switch (name.toLowerCase()) {
            case "f32", "float32" -> DType.F32;
            case "bf16", "bfloat16" -> DType.BF16;
            case "f16", "float16" -> DType.F16;
            default -> throw new IllegalArgumentException("--dtype must be f32, bf16 or f16, got '" + name + "'");
        };
    }

    /**
     * Load options with a progress bar on stderr for checkpoints worth waiting for (over 64 MiB) when
     * stderr is a terminal.
     */
    static LoadOptions options(String dtypeName) {
        AtomicReference<ProgressBar> bar = new AtomicReference<>();
        boolean terminal = System.console() != null;
        return new LoadOptions(dtype(dtypeName), (tensor, done, total) -> {
            if (!terminal || total < (64L << 20)) return;
            if (bar.get() == null) {
                bar.set(new ProgressBarBuilder().setTaskName("loading").setInitialMax(total >> 20).setUnit(" MiB", 1)
                        .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                        .build());
            }
            bar.get().stepTo(done >> 20);
            if (done >= total) bar.get().close();
        });
    }

    static IdeficsPipeline pipeline(Path folder, String dtypeName) {
        if (!Files.isDirectory(folder)) throw new IllegalArgumentException(folder + ": no such model folder");
        return IdeficsPipeline.fromPretrained(folder, options(dtypeName));
    }

    /** An http(s) URL stays a string (the processor fetches it); anything else is a file that must exist. */
    static Object imageItem(String arg) {
        if (arg.startsWith("http://") || arg.startsWith("https://")) return arg;
        Path p = Path.of(arg);
        if (!Files.isRegularFile(p)) throw new IllegalArgumentException("image file not found: " + arg);
        return p;
    }
}
