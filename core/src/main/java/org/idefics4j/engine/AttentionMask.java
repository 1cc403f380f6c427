package org.idefics4j.engine;

/**
 * Which keys each query of an attention call may see. Implementations set the scores of hidden keys
 * to −∞ before the softmax; that equals transformers' additive {@code finfo.min} mask for every query
 * that sees at least one key.
 */
@FunctionalInterface
public interface AttentionMask {
    /** Masks row {@code i} of batch row {@code b}: {@code scores[off .. off + Tk)}. */
    void apply(int b, int i, float[] scores, int off);

    /**
     * Causal and padding mask of the decoder self-attention.
     *
     * @param keyMask 1 = real token, 0 = padding, per batch row over (at least) all P + T keys
     * @param past    P, the number of cached keys before the queries
     * @param keys    P + T, the number of keys
     */
    static AttentionMask causal(int[][] keyMask, int past, int keys) {
        return (b, i, s, off) -> {
            int[] km = keyMask[b];
            int last = Math.min(keys - 1, past + i); // causal: keys 0 .. P+i
            boolean any = false;
            for (int j = 0; j <= last && !any; j++) any = km[j] != 0;
            if (!any) {
                // A left-padding query sees no key. transformers >= 4.36 then lets it see every key
                // (AttentionMaskConverter._unmask_unattended); its output never reaches a real
                // token, this only keeps it finite and equal to the reference.
                return;
            }
            for (int j = 0; j < keys; j++) {
                if (j > last || km[j] == 0) s[off + j] = Float.NEGATIVE_INFINITY;
            }
        };
    }
}
