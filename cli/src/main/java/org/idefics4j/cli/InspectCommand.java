package org.idefics4j.cli;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.model.IdeficsConfig;
import org.idefics4j.model.IdeficsForVisionText2Text;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code idefics4j inspect}: what a checkpoint folder holds, per component. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Summarise a checkpoint: config, parameter counts per component, dtypes and bytes.")
public final class InspectCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Checkpoint folder.")
    Path model;

    /** The components a newcomer knows from the architecture figure, by tensor-name prefix. */
    static String component(String name) {
        if (name.startsWith("model.vision_model.")) return "vision tower";
        if (name.startsWith("model.perceiver_resampler.")) return "perceiver resampler";
        if (name.startsWith("model.gated_cross_attn_layers.")) return "gated cross-attention";
        if (name.startsWith("model.layers.")) return "decoder layers";
        if (name.startsWith("model.embed_tokens.")) return "token embeddings";
        if (name.startsWith("lm_head.")) return "lm head";
        return "other (final norm)";
    }

    @Override
    public Integer call() {
        IdeficsForVisionText2Text m = IdeficsForVisionText2Text.fromPretrained(model);
        IdeficsConfig c = m.config();
        StringBuilder out = new StringBuilder();
        out.append("checkpoint  ").append(model.toAbsolutePath()).append('\n');
        out.append(String.format("text        hidden %d, %d layers, %d heads (head dim %d), MLP %d, vocab %d + %d additional, %s%n",
                c.hiddenSize, c.numHiddenLayers, c.numAttentionHeads, c.headDim(), c.intermediateSize, c.vocabSize,
                c.additionalVocabSize, c.hiddenAct));
        out.append(String.format("cross-attn  %d gated blocks (every %d layers), alpha %s, qk_layer_norms %s%n",
                c.numCrossLayers(), c.crossLayerInterval, c.alphaType, c.qkLayerNorms));
        var v = c.visionConfig;
        out.append(String.format("vision      width %d, %d layers, %d heads, MLP %d, %dx%d px, patch %d (%d tokens), %s%n",
                v.embedDim, v.numHiddenLayers, v.numAttentionHeads, v.intermediateSize, v.imageSize, v.imageSize,
                v.patchSize, v.numPositions(), v.hiddenAct));
        var p = c.perceiverConfig;
        out.append(c.useResampler ? String.format("perceiver   %d latents, depth %d, %d heads of %d%n",
                p.resamplerNLatents, p.resamplerDepth, p.resamplerNHeads, p.resamplerHeadDim) : "perceiver   none\n");

        Map<String, long[]> parts = new LinkedHashMap<>(); // component → {params, bytes}
        Map<DType, Long> dtypes = new EnumMap<>(DType.class);
        long total = 0, bytes = 0;
        for (StoredTensor t : m.stateDict().values()) {
            long[] acc = parts.computeIfAbsent(component(t.name()), k -> new long[2]);
            acc[0] += t.numel();
            acc[1] += t.segment().byteSize();
            dtypes.merge(t.dtype(), t.numel(), Long::sum);
            total += t.numel();
            bytes += t.segment().byteSize();
        }
        out.append(String.format("%n%-24s %16s %14s%n", "component", "parameters", "bytes"));
        for (var e : parts.entrySet()) {
            out.append(String.format("%-24s %,16d %14s%n", e.getKey(), e.getValue()[0], human(e.getValue()[1])));
        }
        out.append(String.format("%-24s %,16d %14s%n", "total", total, human(bytes)));
        out.append("dtypes      ");
        dtypes.forEach((d, n) -> out.append(d).append(String.format(" %,d  ", n)));
        out.append('\n');
        System.out.print(out);
        return 0;
    }

    static String human(long b) {
        if (b >= 1L << 30) return String.format("%.2f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format("%.1f MiB", b / (double) (1L << 20));
        if (b >= 1L << 10) return String.format("%.1f KiB", b / 1024.0);
        return b + " B";
    }
}
