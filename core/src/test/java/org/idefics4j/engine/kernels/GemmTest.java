package org.idefics4j.engine.kernels;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.Parallel;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fast kernels against a plain double-precision reference on random data.
 *
 * <p>Tolerance: a float32 dot product of K terms carries rounding errors of about u·|partial sum|
 * per addition (u = 2⁻²⁴ ≈ 6e-8) that add up like a random walk, ≈ u·√K·Σ|terms|; the kernels
 * sum in a different order than the reference (vector lanes, K blocks), so only such a bound can
 * hold. We allow {@code 1e-6·√K·Σ|a·b|} (≈ 16× the random-walk estimate and about K·u·Σ|a·b|, the
 * deterministic worst case, at the sizes tested). A wrong or dropped term costs about Σ|a·b|/K,
 * far above that for every K here, so indexing and edge-tile bugs cannot hide under it.
 * Stored weights are compared against their decoded values, so BF16/F16 rounding is not part of
 * the error.
 */
class GemmTest {

    private static final int[][] TRANS_B_SHAPES = {
            // m, k, n: matvec path (m ≤ 32), packed path (m > 32): edge tiles, K > KC (several depth blocks), N > NC (several column blocks)
            {1, 1, 1}, {1, 17, 3}, {1, 37, 100}, {1, 300, 37}, {2, 257, 17}, {3, 100, 257}, {4, 33, 9},
            {5, 3, 37}, {8, 16, 32}, {17, 37, 100}, {32, 64, 33}, {37, 257, 3}, {40, 45, 70}, {100, 300, 257},
            {257, 64, 600}, {33, 513, 65},
    };

    @Test
    void matmulTransBAllDtypes() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (DType dt : new DType[]{DType.F32, DType.BF16, DType.F16}) {
            for (int[] s : TRANS_B_SHAPES) {
                int m = s[0], k = s[1], n = s[2];
                float[] x = random(rnd, m * k);
                StoredTensor w = stored(dt, random(rnd, n * k), n, k);
                float[] out = new float[m * n];
                Arrays.fill(out, Float.NaN); // must be overwritten everywhere
                Gemm.matmulTransB(x, m, k, w, out);
                float[] wf = w.toTensor().data();
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double sum = 0, abs = 0;
                        for (int p = 0; p < k; p++) {
                            double t = (double) x[i * k + p] * wf[j * k + p];
                            sum += t;
                            abs += Math.abs(t);
                        }
                        check(sum, out[i * n + j], abs, k, 0, () -> dt + " m=" + m + " k=" + k + " n=" + n);
                    }
                }
            }
        }
    }

    @Test
    void matmulThroughFacadeKeepsLeadingDims() {
        SplittableRandom rnd = new SplittableRandom(2);
        Tensor x = Tensor.of(random(rnd, 2 * 3 * 40), 2, 3, 40);
        StoredTensor w = stored(DType.BF16, random(rnd, 24 * 40), 24, 40);
        Tensor y = Kernels.matmul(x, w);
        assertArrayEquals(new int[]{2, 3, 24}, y.shape());
        float[] wf = w.toTensor().data();
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 24; j++) {
                double sum = 0, abs = 0;
                for (int p = 0; p < 40; p++) {
                    sum += (double) x.data()[i * 40 + p] * wf[j * 40 + p];
                    abs += Math.abs((double) x.data()[i * 40 + p] * wf[j * 40 + p]);
                }
                int ii = i, jj = j;
                check(sum, y.data()[i * 24 + j], abs, 40, 0, () -> "row " + ii + " col " + jj);
            }
        }
    }

    @Test
    void gemmAllTransposesOffsetsAndBeta() {
        SplittableRandom rnd = new SplittableRandom(3);
        int[][] shapes = {
                {1, 1, 1}, {1, 64, 37}, {3, 17, 100}, {4, 5, 3}, {5, 37, 17}, {8, 32, 64}, {17, 3, 1},
                {37, 100, 257}, {100, 257, 37}, {257, 64, 300}, {9, 600, 33},
                {5, 2100, 7}, // n > NC: several column blocks
        };
        float[][] alphaBeta = {{1f, 0f}, {0.7f, 1f}, {-1.3f, 0.5f}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            for (boolean ta : new boolean[]{false, true}) {
                for (boolean tb : new boolean[]{false, true}) {
                    for (float[] ab : alphaBeta) {
                        runGemm(rnd, ta, tb, m, n, k, ab[0], ab[1]);
                    }
                }
            }
        }
    }

    /** op(A) [m,k], op(B) [k,n], C [m,n], all inside larger arrays with offsets and padded leading dims. */
    private static void runGemm(SplittableRandom rnd, boolean ta, boolean tb, int m, int n, int k, float alpha, float beta) {
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + 3, ldb = bCols + 5, ldc = n + 2;
        int aOff = 7, bOff = 11, cOff = 13;
        float[] a = random(rnd, aOff + aRows * lda);
        float[] b = random(rnd, bOff + bRows * ldb);
        float[] c = random(rnd, cOff + m * ldc + 4);
        if (beta == 0f) {
            // beta = 0 must not read C: garbage (NaN) in the target region may not leak
            for (int i = 0; i < m; i++) Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, Float.NaN);
        }
        float[] c0 = c.clone();
        Gemm.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        String what = "trans=" + ta + "/" + tb + " m=" + m + " n=" + n + " k=" + k + " alpha=" + alpha + " beta=" + beta;
        for (int idx = 0; idx < c.length; idx++) {
            int rel = idx - cOff;
            boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inside) {
                assertEquals(c0[idx], c[idx], "element " + idx + " outside C changed: " + what);
                continue;
            }
            int i = rel / ldc, j = rel % ldc;
            double sum = 0, abs = 0;
            for (int p = 0; p < k; p++) {
                double av = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                double bv = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                sum += av * bv;
                abs += Math.abs(av * bv);
            }
            double old = beta == 0f ? 0 : c0[idx];
            double ref = alpha * sum + beta * old;
            check(ref, c[idx], Math.abs(alpha) * abs, k, Math.abs(beta * old), () -> what + " at " + i + "," + j);
        }
    }

    @Test
    void gemmZeroDepthScalesC() {
        float[] c = {1, 2, 3, 4};
        Gemm.gemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 0.5f, c, 0, 2);
        assertArrayEquals(new float[]{0.5f, 1, 1.5f, 2}, c);
    }

    /** Products issued from inside pool tasks (as attention and batched callers do) must not share scratch buffers. */
    @Test
    void concurrentAndNestedCalls() {
        SplittableRandom rnd = new SplittableRandom(4);
        int m = 40, k = 70, n = 90, jobs = 8;
        StoredTensor w = stored(DType.F32, random(rnd, n * k), n, k);
        float[][] xs = new float[jobs][], outs = new float[jobs][], refs = new float[jobs][];
        for (int t = 0; t < jobs; t++) {
            xs[t] = random(rnd, m * k);
            refs[t] = new float[m * n];
            Gemm.matmulTransB(xs[t], m, k, w, refs[t]);
            outs[t] = new float[m * n];
        }
        float[][] g = new float[jobs][m * n];
        Parallel.forRange(jobs, 1, (from, to) -> {
            for (int t = from; t < to; t++) {
                Gemm.matmulTransB(xs[t], m, k, w, outs[t]);                      // nested parallel
                Gemm.gemm(false, true, m, n, k, 1f, xs[t], 0, k, w.toTensor().data(), 0, k, 0f, g[t], 0, n); // per-thread
            }
        });
        for (int t = 0; t < jobs; t++) {
            assertArrayEquals(refs[t], outs[t], "job " + t);
            for (int i = 0; i < m * n; i++) assertEquals(refs[t][i], g[t][i], 1e-4f, "gemm job " + t);
        }
    }

    private static void check(double ref, float got, double absSum, int k, double extra, java.util.function.Supplier<String> what) {
        double tol = 1e-6 * Math.sqrt(Math.max(1, k)) * absSum + 1e-6 * extra + 1e-30;
        if (!(Math.abs(got - ref) <= tol)) {
            fail(what.get() + ": got " + got + ", expected " + ref + " (tolerance " + tol + ")");
        }
    }

    static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return v;
    }

    /** A [rows, cols] weight in native memory, encoded as a safetensors file would hold it. */
    static StoredTensor stored(DType dt, float[] v, int rows, int cols) {
        ByteBuffer bb = ByteBuffer.allocate(v.length * dt.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            switch (dt) {
                case F32 -> bb.putFloat(f);
                case BF16 -> bb.putShort((short) (Float.floatToIntBits(f) >>> 16));
                case F16 -> bb.putShort(Float.floatToFloat16(f));
                default -> throw new IllegalArgumentException(dt.toString());
            }
        }
        return StoredTensor.ofBytes("w", dt, new int[]{rows, cols}, bb.array());
    }

    @Test
    void storedDecodingIsExact() {
        // sanity of the test helper and of the vector BF16 decode against StoredTensor's scalar one
        float[] v = random(new SplittableRandom(5), 70);
        for (DType dt : new DType[]{DType.F32, DType.BF16, DType.F16}) {
            StoredTensor w = stored(dt, v, 7, 10);
            float[] dec = new float[70];
            WeightCodec.decode(dt, w.segment(), 0, dec, 0, 70);
            for (int i = 0; i < 70; i++) {
                assertEquals(w.getFloat(i), dec[i], 0f, dt + " element " + i);
                assertTrue(Math.abs(dec[i] - v[i]) <= 1e-2 * Math.abs(v[i]) + 1e-4, dt + " element " + i);
            }
        }
    }
}
