package org.idefics4j.model;

import org.idefics4j.engine.Tensor;

/**
 * {@code interpolate_pos_encoding}: the learned g×g position grid resized for another image size
 * exactly as transformers does it, i.e. PyTorch's bicubic {@code interpolate} (A = −0.75,
 * align_corners=False) driven by the scale factors {@code (H/p + 0.1)/g}, {@code (W/p + 0.1)/g}:
 * the given factor (not in/out) maps output to source coordinates, and border taps are clamped.
 */
final class PositionInterpolation {
    private static final double A = -0.75;

    private PositionInterpolation() {
    }

    /**
     * @param table [1 + g·g, E] with row 0 the class position
     * @return [1 + gh·gw, E]
     */
    static Tensor interpolate(Tensor table, int gh, int gw, boolean square, int patch, int hi, int wi) {
        int n0 = table.dim(0) - 1, e = table.dim(1);
        if (gh * gw == n0 && square) return table;
        double g = Math.sqrt(n0);
        int gi = (int) g;
        double scaleH = (gh + 0.1) / g, scaleW = (gw + 0.1) / g;
        int outH = (int) Math.floor(gi * scaleH), outW = (int) Math.floor(gi * scaleW);
        if (outH != gh || outW != gw) {
            throw new IllegalArgumentException("interpolated position grid " + outH + "x" + outW
                    + " does not match the " + gh + "x" + gw + " patches of a " + hi + "x" + wi + " image");
        }
        float[] t = table.data();
        Tensor out = Tensor.zeros(1 + gh * gw, e);
        float[] o = out.data();
        System.arraycopy(t, 0, o, 0, e);
        double[][] wy = new double[gh][], wx = new double[gw][];
        int[][] iy = new int[gh][], ix = new int[gw][];
        for (int y = 0; y < gh; y++) {
            wy[y] = new double[4];
            iy[y] = taps(y, 1.0 / scaleH, gi, wy[y]);
        }
        for (int x = 0; x < gw; x++) {
            wx[x] = new double[4];
            ix[x] = taps(x, 1.0 / scaleW, gi, wx[x]);
        }
        for (int y = 0; y < gh; y++)
            for (int x = 0; x < gw; x++)
                for (int c = 0; c < e; c++) {
                    double acc = 0;
                    for (int a = 0; a < 4; a++) {
                        double row = 0;
                        for (int b = 0; b < 4; b++) row += wx[x][b] * t[(1 + iy[y][a] * gi + ix[x][b]) * e + c];
                        acc += wy[y][a] * row;
                    }
                    o[(1 + y * gw + x) * e + c] = (float) acc;
                }
        return out;
    }

    /** Source taps (clamped) and cubic weights of output index {@code d}. */
    private static int[] taps(int d, double invScale, int size, double[] w) {
        double src = (d + 0.5) * invScale - 0.5;
        int i0 = (int) Math.floor(src);
        double t = src - i0;
        w[0] = far(t + 1);
        w[1] = near(t);
        w[2] = near(1 - t);
        w[3] = far(2 - t);
        int[] idx = new int[4];
        for (int k = 0; k < 4; k++) idx[k] = Math.min(Math.max(i0 - 1 + k, 0), size - 1);
        return idx;
    }

    private static double near(double x) { // |x| <= 1
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    private static double far(double x) { // 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
