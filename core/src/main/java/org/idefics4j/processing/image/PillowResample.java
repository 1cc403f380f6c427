package org.idefics4j.processing.image;

/**
 * Pillow's 8-bit convolution resampling with the BICUBIC filter (src/libImaging/Resample.c,
 * {@code ImagingResample} with box = whole image), restated so the output is bit-identical:
 * the Hugging Face processor resizes uint8 images through Pillow, so any other interpolation
 * (AWT, float maths, different rounding) changes the pixel values the model sees.
 *
 * <p>Two separable passes: horizontal first, computed only for the source rows the vertical pass
 * reads, stored as 8-bit (rounded and clipped), then vertical. Weights are normalised doubles turned
 * into 22-bit fixed point; a pass is skipped when its axis already has the target size. Spec §12.1.
 */
public final class PillowResample {
    /** Pillow's PRECISION_BITS for 8-bit images: 32 − 8 − 2. */
    private static final int PRECISION_BITS = 32 - 8 - 2;
    /** Bicubic support radius (Pillow's {@code BICUBIC} filter, a = −0.5). */
    private static final double SUPPORT = 2.0;
    private static final double A = -0.5;

    private PillowResample() {
    }

    /** The cubic kernel exactly as Pillow evaluates it (same operation order). */
    static double bicubicFilter(double x) {
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((A + 2.0) * x - (A + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * A;
        return 0.0;
    }

    /** Per-output-index source window and fixed-point weights for one axis. */
    static final class Coeffs {
        final int ksize;
        final int[] bounds; // [o*2] = first source index, [o*2+1] = number of taps
        final int[] weights; // [o*ksize + k]

        Coeffs(int ksize, int[] bounds, int[] weights) {
            this.ksize = ksize;
            this.bounds = bounds;
            this.weights = weights;
        }
    }

    /** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the box [0, inSize). */
    static Coeffs coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = SUPPORT * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[outSize * 2];
        int[] weights = new int[outSize * ksize];
        double[] k = new double[ksize];
        // Pillow multiplies by the reciprocal rather than dividing by filterscale; keep it, the
        // last bit of a weight can decide a fixed-point rounding.
        double ss = 1.0 / filterscale;
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            int xmin = (int) (center - support + 0.5); // C cast: truncation toward zero
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = bicubicFilter((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                if (ww != 0.0) k[x] /= ww;
            }
            bounds[o * 2] = xmin;
            bounds[o * 2 + 1] = xmax;
            for (int x = 0; x < xmax; x++) {
                double v = k[x] * (1 << PRECISION_BITS);
                weights[o * ksize + x] = v < 0 ? (int) (-0.5 + v) : (int) (0.5 + v);
            }
        }
        return new Coeffs(ksize, bounds, weights);
    }

    private static int clip8(int acc) {
        if (acc >= (1 << PRECISION_BITS << 8)) return 255;
        if (acc <= 0) return 0;
        return acc >> PRECISION_BITS;
    }

    /**
     * Resize interleaved 8-bit pixels ({@code channels} per pixel, row-major) from
     * {@code w × h} to {@code outW × outH}. Returns a new array; the same size gives a copy.
     */
    public static byte[] bicubic(byte[] src, int w, int h, int channels, int outW, int outH) {
        if ((long) w * h * channels != src.length) {
            throw new IllegalArgumentException("pixel buffer length " + src.length + " does not match "
                    + w + "x" + h + "x" + channels);
        }
        if (outW <= 0 || outH <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + outW + "x" + outH);
        }
        if (outW == w && outH == h) return src.clone();
        boolean needH = outW != w;
        boolean needV = outH != h;
        Coeffs horiz = coefficients(w, outW);
        Coeffs vert = coefficients(h, outH);

        byte[] cur = src;
        int curH = h;
        int[] vBounds = vert.bounds.clone();
        if (needH) {
            // Only the rows the vertical pass will read (Pillow's ybox_first .. ybox_last).
            int yFirst = vBounds[0];
            int yLast = vBounds[outH * 2 - 2] + vBounds[outH * 2 - 1];
            for (int i = 0; i < outH; i++) vBounds[i * 2] -= yFirst;
            int rows = yLast - yFirst;
            byte[] tmp = new byte[outW * rows * channels];
            int ks = horiz.ksize;
            for (int yy = 0; yy < rows; yy++) {
                int srcRow = (yy + yFirst) * w;
                int dstRow = yy * outW;
                for (int xx = 0; xx < outW; xx++) {
                    int xmin = horiz.bounds[xx * 2];
                    int n = horiz.bounds[xx * 2 + 1];
                    int kOff = xx * ks;
                    for (int c = 0; c < channels; c++) {
                        int acc = 1 << (PRECISION_BITS - 1);
                        int p = (srcRow + xmin) * channels + c;
                        for (int x = 0; x < n; x++, p += channels) {
                            acc += (cur[p] & 0xff) * horiz.weights[kOff + x];
                        }
                        tmp[(dstRow + xx) * channels + c] = (byte) clip8(acc);
                    }
                }
            }
            cur = tmp;
            curH = rows;
        }
        if (!needV) return cur;
        int curW = outW; // after the horizontal pass (or unchanged when it was skipped: outW == w)
        byte[] out = new byte[outW * outH * channels];
        int ks = vert.ksize;
        int rowStride = curW * channels;
        for (int yy = 0; yy < outH; yy++) {
            int ymin = vBounds[yy * 2];
            int n = vBounds[yy * 2 + 1];
            int kOff = yy * ks;
            if (ymin + n > curH) throw new IllegalStateException("resample bounds"); // cannot happen
            for (int xx = 0; xx < outW; xx++) {
                for (int c = 0; c < channels; c++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    int p = ymin * rowStride + xx * channels + c;
                    for (int y = 0; y < n; y++, p += rowStride) {
                        acc += (cur[p] & 0xff) * vert.weights[kOff + y];
                    }
                    out[(yy * outW + xx) * channels + c] = (byte) clip8(acc);
                }
            }
        }
        return out;
    }
}
