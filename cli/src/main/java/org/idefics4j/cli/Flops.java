package org.idefics4j.cli;

import org.idefics4j.engine.StoredTensor;
import org.idefics4j.model.IdeficsConfig;
import org.idefics4j.model.IdeficsForVisionText2Text;

/**
 * Work counts of the benchmark workloads: multiply-adds of every matrix product counted as 2 flops
 * (element-wise work is left out, as GEMM-bound roofline counts do).
 */
final class Flops {
    private Flops() {
    }

    /** One image through the vision tower (and the perceiver, if any). */
    static double vision(IdeficsConfig c) {
        var v = c.visionConfig;
        double e = v.embedDim, s = v.numPositions(), patches = s - 1;
        double f = 2 * patches * e * v.numChannels * v.patchSize * v.patchSize;
        f += v.numHiddenLayers * (2 * s * 4 * e * e + 2 * 2 * s * e * v.intermediateSize + 2 * 2 * s * s * e);
        if (c.useResampler) {
            var p = c.perceiverConfig;
            double lat = p.resamplerNLatents, inner = p.resamplerNHeads * p.resamplerHeadDim, kv = s + lat;
            f += p.resamplerDepth * (2 * lat * e * inner + 2 * 2 * kv * e * inner + 2 * 2 * lat * kv * inner
                    + 2 * lat * inner * e + 2 * 2 * lat * e * 4 * e);
        }
        return f;
    }

    /** The text side over {@code t} tokens with {@code images} images: decoder, cross blocks, LM head. */
    static double text(IdeficsConfig c, int t, int images, boolean allLogits) {
        double h = c.hiddenSize, i = c.intermediateSize, e = c.visionConfig.embedDim;
        double img = images * (c.useResampler ? c.perceiverConfig.resamplerNLatents : c.visionConfig.numPositions());
        double f = c.numHiddenLayers * (2 * t * (4 * h * h + 3 * h * i) + 2 * 2 * t * (double) t * h);
        f += c.numCrossLayers() * (2 * t * (2 * h * h + 3 * h * i) + 2 * 2 * img * e * h + 2 * 2 * t * img * h);
        f += 2 * (allLogits ? t : 1) * h * (c.vocabSize + c.additionalVocabSize);
        return f;
    }

    /**
     * Weight bytes one decoded token reads: every decoder and cross-block matrix and the LM head; the
     * image key/value projections are not read again (their output is cached per request), and the
     * vision tower and perceiver not at all.
     */
    static double decodeWeightBytes(IdeficsForVisionText2Text m) {
        double bytes = 0;
        for (java.lang.foreign.MemorySegment s : decodeWeights(m)) bytes += s.byteSize();
        return bytes;
    }

    /** The weights a decoded token reads (see {@link #decodeWeightBytes}). */
    static java.util.List<java.lang.foreign.MemorySegment> decodeWeights(IdeficsForVisionText2Text m) {
        java.util.List<java.lang.foreign.MemorySegment> out = new java.util.ArrayList<>();
        for (StoredTensor t : m.stateDict().values()) {
            String n = t.name();
            if (n.startsWith("model.vision_model.") || n.startsWith("model.perceiver_resampler.")) continue;
            if (n.startsWith("model.embed_tokens.")) continue; // one row read per token
            if (n.contains("cross_attn.k_proj") || n.contains("cross_attn.v_proj")) continue;
            out.add(t.segment());
        }
        return out;
    }
}
