package org.idefics4j.model;

import org.idefics4j.engine.Tensor;

/**
 * Rotary position embedding of the decoder self-attention, computed as transformers does: inverse
 * frequencies {@code 1/10000^(2i/hd)}, angles {@code position·inv_freq} and their cos/sin all in
 * float32, halves duplicated, {@code rotate_half} convention. Base 10000 is fixed (not in config).
 */
public final class RotaryEmbedding {
    private final int headDim;
    private final float[] invFreq; // [hd/2]

    /** Per-thread cos/sin rows (no allocation per call). */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[0]});

    RotaryEmbedding(int headDim) {
        this.headDim = headDim;
        this.invFreq = new float[headDim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            invFreq[i] = 1f / (float) Math.pow(10000.0, exponent);
        }
    }

    /**
     * Rotates every head of {@code x [B, T, heads·hd]} in place.
     *
     * @param positions [B][T] position ids
     */
    public void apply(Tensor x, int[][] positions) {
        int b = x.dim(0), t = x.dim(1), width = x.dim(2), half = headDim / 2;
        float[] d = x.data();
        float[][] cs = SCRATCH.get();
        if (cs[0].length < half) cs[0] = new float[half];
        if (cs[1].length < half) cs[1] = new float[half];
        float[] cos = cs[0], sin = cs[1];
        for (int bi = 0; bi < b; bi++) {
            for (int ti = 0; ti < t; ti++) {
                float p = positions[bi][ti];
                for (int j = 0; j < half; j++) {
                    float angle = p * invFreq[j];
                    cos[j] = (float) Math.cos(angle);
                    sin[j] = (float) Math.sin(angle);
                }
                int row = (bi * t + ti) * width;
                for (int h = row; h < row + width; h += headDim) {
                    for (int j = 0; j < half; j++) {
                        float x1 = d[h + j], x2 = d[h + j + half];
                        d[h + j] = x1 * cos[j] - x2 * sin[j];
                        d[h + j + half] = x2 * cos[j] + x1 * sin[j];
                    }
                }
            }
        }
    }
}
