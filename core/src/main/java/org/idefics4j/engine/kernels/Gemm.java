package org.idefics4j.engine.kernels;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.Parallel;
import org.idefics4j.engine.StoredTensor;

/**
 * Matrix products. Internal: model code calls them through {@link org.idefics4j.engine.Kernels}.
 */
public final class Gemm {
    private Gemm() {
    }

    /**
     * {@code out[M,N] = x[M,K] · wᵀ} where {@code w} is a stored [N, K] weight (F32, BF16 or F16):
     * the {@code x·Wᵀ} form of every Linear layer.
     */
    public static void matmulTransB(float[] x, int m, int k, StoredTensor w, float[] out) {
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
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0 ? alpha * s : alpha * s + beta * c[ci];
            }
        }
    }

    static boolean supported(DType d) {
        return d == DType.F32 || d == DType.BF16 || d == DType.F16;
    }
}
