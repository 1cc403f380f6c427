package org.idefics4j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.idefics4j.engine.DType;
import org.idefics4j.engine.Parallel;
import org.idefics4j.engine.StoredTensor;

import static org.idefics4j.engine.kernels.WeightCodec.F;
import static org.idefics4j.engine.kernels.WeightCodec.L;

/**
 * Matrix products. Internal: model code calls them through {@link org.idefics4j.engine.Kernels}.
 * This class only routes: {@link MatVec} streams weights when x has few rows, {@link PackedGemm}
 * does everything larger.
 */
public final class Gemm {
    private Gemm() {
    }

    /**
     * Up to this many rows of x, {@link #matmulTransB} streams the weights ({@link MatVec}) instead
     * of packing them: with few rows the product is memory-bound, and packing (a transposing copy
     * of all of W, read in short runs) costs more than the arithmetic. Measured crossover on
     * 4096×4096 (2 cores): F32 matvec 91 vs packed 48 GFLOP/s at m = 32, 93 vs 80 at m = 64;
     * BF16 63 vs 52 at 32, 64 vs 83 at 64.
     */
    static final int MATVEC_MAX_M = Integer.getInteger("idefics4j.gemm.matvecMaxM", 32);
    /** Up to this many rows of op(A), {@link #gemm} uses direct dot/axpy loops (no packing). */
    static final int SMALL_M = Integer.getInteger("idefics4j.gemm.smallM", 4);

    /**
     * {@code out[M,N] = x[M,K] · wᵀ} where {@code w} is a stored [N, K] weight (F32, BF16 or F16):
     * the {@code x·Wᵀ} form of every Linear layer. Uses all cores.
     */
    public static void matmulTransB(float[] x, int m, int k, StoredTensor w, float[] out) {
        int n = w.dim(0);
        if (w.rank() != 2 || w.dim(1) != k) throw new IllegalArgumentException("weight " + w + " is not [N, " + k + "]");
        if (x.length < (long) m * k || out.length < (long) m * n) {
            throw new IllegalArgumentException("matmulTransB: arrays too short for " + m + "x" + k + " · " + w);
        }
        if (m <= 0 || n <= 0) return;
        if (!supported(w.dtype())) {
            referenceTransB(x, m, k, w, out);
        } else if (k == 0) {
            java.util.Arrays.fill(out, 0, m * n, 0f);
        } else if (m <= MATVEC_MAX_M) {
            MatVec.run(x, m, k, w, out);
        } else {
            PackedGemm.run(m, n, k, PackedGemm.arrayA(x, 0, k, false, 1f), PackedGemm.storedTransB(w),
                    0f, out, 0, n, true);
        }
    }

    /** Scalar path for weight types the fast kernels do not decode (e.g. F64). */
    private static void referenceTransB(float[] x, int m, int k, StoredTensor w, float[] out) {
        int n = w.dim(0);
        Parallel.forRange(n, 16, (from, to) -> {
            float[] row = new float[k];
            for (int j = from; j < to; j++) {
                w.readFloats((long) j * k, row, 0, k);
                for (int i = 0; i < m; i++) {
                    float s = 0;
                    int xo = i * k;
                    for (int p = 0; p < k; p++) s += x[xo + p] * row[p];
                    out[i * n + j] = s;
                }
            }
        });
    }

    /**
     * General single-threaded product on float arrays:
     * {@code C = alpha · op(A) · op(B) + beta · C}, op = transpose when the flag is set.
     * A is [M,K] (or [K,M] transposed) with leading dimension lda, and so on, row-major.
     * With beta = 0, C is only written (BLAS convention).
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || alpha == 0f) {
            PackedGemm.scale(m, n, beta, c, cOff, ldc);
        } else if (m <= SMALL_M) {
            smallGemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            PackedGemm.run(m, n, k, PackedGemm.arrayA(a, aOff, lda, transA, alpha),
                    PackedGemm.arrayB(b, bOff, ldb, transB), beta, c, cOff, ldc, false);
        }
    }

    /**
     * Few rows (e.g. one query attending over a cache): per row of op(A), dot products with the rows
     * of B (transB: q·kᵀ) or AXPYs of the rows of B into the row of C (P·v).
     */
    private static void smallGemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                  float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                  float beta, float[] c, int cOff, int ldc) {
        PackedGemm.Scratch s = transA ? PackedGemm.Scratch.acquire() : null;
        try {
            for (int i = 0; i < m; i++) {
                float[] ar = a;
                int ao = aOff + i * lda;
                if (transA) {
                    ar = s.row(k);
                    ao = 0;
                    for (int p = 0; p < k; p++) ar[p] = a[aOff + p * lda + i];
                }
                int co = cOff + i * ldc;
                if (transB) {
                    for (int j = 0; j < n; j++) {
                        float v = alpha * dot(ar, ao, b, bOff + j * ldb, k);
                        c[co + j] = beta == 0f ? v : v + beta * c[co + j];
                    }
                } else {
                    if (beta != 1f) PackedGemm.scale(1, n, beta, c, co, ldc);
                    for (int p = 0; p < k; p++) axpy(alpha * ar[ao + p], b, bOff + p * ldb, c, co, n);
                }
            }
        } finally {
            if (s != null) s.release();
        }
    }

    static float dot(float[] x, int xo, float[] y, int yo, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        int p = 0;
        for (; p <= k - 2 * L; p += 2 * L) {
            a0 = FloatVector.fromArray(F, x, xo + p).fma(FloatVector.fromArray(F, y, yo + p), a0);
            a1 = FloatVector.fromArray(F, x, xo + p + L).fma(FloatVector.fromArray(F, y, yo + p + L), a1);
        }
        for (; p <= k - L; p += L) a0 = FloatVector.fromArray(F, x, xo + p).fma(FloatVector.fromArray(F, y, yo + p), a0);
        float s = Lanes.sum(a0.add(a1));
        for (; p < k; p++) s += x[xo + p] * y[yo + p];
        return s;
    }

    /** {@code y[yo..yo+n) += s · x[xo..xo+n)}. */
    static void axpy(float s, float[] x, int xo, float[] y, int yo, int n) {
        int j = 0;
        if (n >= L) {
            FloatVector sv = FloatVector.broadcast(F, s);
            for (; j <= n - L; j += L) {
                FloatVector.fromArray(F, x, xo + j).fma(sv, FloatVector.fromArray(F, y, yo + j)).intoArray(y, yo + j);
            }
        }
        for (; j < n; j++) y[yo + j] += s * x[xo + j];
    }

    static boolean supported(DType d) {
        return d == DType.F32 || d == DType.BF16 || d == DType.F16;
    }
}
