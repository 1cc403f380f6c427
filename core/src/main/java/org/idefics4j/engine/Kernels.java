package org.idefics4j.engine;

import org.idefics4j.engine.kernels.Gemm;
import org.idefics4j.engine.kernels.VectorMath;

/**
 * The numerical building blocks the model calls by name. Everything runs in float32; how a kernel
 * is vectorised or threaded stays behind this class (see {@code engine.kernels}).
 */
public final class Kernels {
    private Kernels() {
    }

    // ---------------------------------------------------------------- matrix products

    /** {@code x[.., K] · wᵀ} for a stored weight {@code w [N, K]} → {@code [.., N]}. */
    public static Tensor matmul(Tensor x, StoredTensor w) {
        return matmul(x, w, Tensor.zerosRowsOf(x, w.dim(0)));
    }

    /** {@code out = x · wᵀ}, written into {@code out} ([.., N]; its previous contents are ignored). */
    public static Tensor matmul(Tensor x, StoredTensor w, Tensor out) {
        int k = x.dim(-1);
        if (w.rank() != 2 || w.dim(1) != k) {
            throw new IllegalArgumentException("matmul: input " + x + " does not fit weight " + w);
        }
        if (!out.sameRowsAs(x, w.dim(0))) throw new IllegalArgumentException("matmul: output " + out + " for " + x + " · " + w);
        Gemm.matmulTransB(x.data(), x.numel() / k, k, w, out.data());
        return out;
    }

    /** {@code x · wᵀ + b} (b may be null). */
    public static Tensor linear(Tensor x, StoredTensor w, Tensor b) {
        return linear(x, w, b, Tensor.zerosRowsOf(x, w.dim(0)));
    }

    /** {@code out = x · wᵀ + b} (b may be null). */
    public static Tensor linear(Tensor x, StoredTensor w, Tensor b, Tensor out) {
        matmul(x, w, out);
        if (b != null) addRowVector(out, b);
        return out;
    }

    /**
     * {@code C = alpha · op(A) · op(B) + beta · C} on float arrays, row-major, single-threaded
     * (callers parallelise over independent products, e.g. attention heads).
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        Gemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    // ---------------------------------------------------------------- element-wise

    /** {@code y[.., n] += v[n]} in place. */
    public static void addRowVector(Tensor y, Tensor v) {
        int n = v.numel();
        float[] d = y.data(), b = v.data();
        for (int i = 0; i < d.length; i += n) {
            for (int j = 0; j < n; j++) d[i + j] += b[j];
        }
    }

    /** {@code a += b} in place (same shape). */
    public static void addInPlace(Tensor a, Tensor b) {
        float[] x = a.data(), y = b.data();
        if (x.length != y.length) throw new IllegalArgumentException("add: " + a + " vs " + b);
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }

    /** {@code a += g ⊙ b}, g broadcast over rows: one value (length 1) or one per channel. */
    public static void addScaled(Tensor a, Tensor b, float[] g) {
        float[] x = a.data(), y = b.data();
        int n = g.length;
        if (n == 1) {
            float s = g[0];
            for (int i = 0; i < x.length; i++) x[i] += s * y[i];
        } else {
            for (int i = 0; i < x.length; i += n) {
                for (int j = 0; j < n; j++) x[i + j] += g[j] * y[i + j];
            }
        }
    }

    /** {@code a *= b} element-wise, in place. */
    public static void mulInPlace(Tensor a, Tensor b) {
        float[] x = a.data(), y = b.data();
        for (int i = 0; i < x.length; i++) x[i] *= y[i];
    }

    public enum Activation {
        SILU, GELU, GELU_TANH, QUICK_GELU, RELU, TANH;

        /** The activation named as transformers names it in configs. */
        public static Activation fromConfig(String name) {
            return switch (name) {
                case "silu", "swish" -> SILU;
                case "gelu" -> GELU;
                case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
                case "quick_gelu" -> QUICK_GELU;
                case "relu" -> RELU;
                case "tanh" -> TANH;
                default -> throw new IllegalArgumentException("unsupported activation '" + name
                        + "' (supported: silu, gelu, gelu_new, gelu_pytorch_tanh, quick_gelu, relu, tanh)");
            };
        }
    }

    /** Applies the activation in place (in parallel over chunks). */
    public static void activate(Tensor t, Activation act) {
        float[] d = t.data();
        Parallel.forRange(d.length, 1 << 14, (from, to) -> {
            int n = to - from;
            switch (act) {
                case SILU -> VectorMath.silu(d, from, n);
                case GELU -> VectorMath.gelu(d, from, n);
                case GELU_TANH -> VectorMath.geluTanh(d, from, n);
                case QUICK_GELU -> VectorMath.quickGelu(d, from, n);
                case RELU -> {
                    for (int i = from; i < to; i++) d[i] = Math.max(0f, d[i]);
                }
                case TANH -> {
                    for (int i = from; i < to; i++) d[i] = (float) Math.tanh(d[i]);
                }
            }
        });
    }

    // ---------------------------------------------------------------- normalisation

    /**
     * RMSNorm over the last dimension: {@code w ⊙ x / sqrt(mean(x²) + eps)}; {@code w} null means no
     * weight (used on raw vectors).
     */
    public static Tensor rmsNorm(Tensor x, Tensor w, float eps) {
        return rmsNorm(x, w, eps, Tensor.zeros(x.shape()));
    }

    /** RMSNorm written into {@code out} (x's shape). */
    public static Tensor rmsNorm(Tensor x, Tensor w, float eps, Tensor out) {
        int n = x.dim(-1);
        if (!out.sameShape(x)) throw new IllegalArgumentException("rmsNorm: output " + out + " for " + x);
        float[] in = x.data(), o = out.data(), wd = w == null ? null : w.data();
        for (int r = 0; r < in.length; r += n) {
            double ss = VectorMath.sumSquares(in, r, n);
            float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
            for (int j = 0; j < n; j++) o[r + j] = (wd == null ? 1f : wd[j]) * (in[r + j] * inv);
        }
        return out;
    }

    /** LayerNorm over the last dimension with biased variance. */
    public static Tensor layerNorm(Tensor x, Tensor w, Tensor b, float eps) {
        int n = x.dim(-1);
        Tensor out = Tensor.zeros(x.shape());
        float[] in = x.data(), o = out.data(), wd = w.data(), bd = b.data();
        for (int r = 0; r < in.length; r += n) {
            double mean = VectorMath.sum(in, r, n) / n;
            double var = 0;
            for (int j = 0; j < n; j++) {
                double dlt = in[r + j] - mean;
                var += dlt * dlt;
            }
            var /= n;
            float inv = (float) (1.0 / Math.sqrt(var + eps));
            float mu = (float) mean;
            for (int j = 0; j < n; j++) o[r + j] = (in[r + j] - mu) * inv * wd[j] + bd[j];
        }
        return out;
    }

    // ---------------------------------------------------------------- attention

    /**
     * Multi-head scaled dot-product attention.
     *
     * @param q     [B, Tq, heads·hd]
     * @param k     [B, Tk, heads·hd]
     * @param v     [B, Tk, heads·hd]
     * @param scale multiplies q·kᵀ
     * @param mask  which keys each query may see (null: all)
     * @return [B, Tq, heads·hd]
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, AttentionMask mask) {
        return attention(q, k.data(), v.data(), k.dim(1), k.dim(1), heads, scale, mask);
    }

    /**
     * Attention over keys/values held in larger buffers (a KV cache): batch row b's keys are rows
     * {@code [b·keyStride, b·keyStride + tk)} of {@code k} and {@code v}, each {@code heads·hd} wide.
     */
    public static Tensor attention(Tensor q, float[] k, float[] v, int keyStride, int tk, int heads, float scale,
                                   AttentionMask mask) {
        return attention(q, k, v, keyStride, tk, heads, scale, mask, Tensor.zeros(q.shape()));
    }

    /** Attention written into {@code out} (q's shape). */
    public static Tensor attention(Tensor q, float[] k, float[] v, int keyStride, int tk, int heads, float scale,
                                   AttentionMask mask, Tensor out) {
        int b = q.dim(0), tq = q.dim(1), width = q.dim(2), hd = width / heads;
        if (!out.sameShape(q)) throw new IllegalArgumentException("attention: output " + out + " for " + q);
        float[] qd = q.data(), od = out.data();
        Parallel.forRange(b * heads, 1, (from, to) -> {
            float[] scores = scratch(tq * tk);
            for (int bh = from; bh < to; bh++) {
                int bi = bh / heads, h = bh % heads;
                int qOff = bi * tq * width + h * hd;
                int kOff = bi * keyStride * width + h * hd;
                gemm(false, true, tq, tk, hd, scale, qd, qOff, width, k, kOff, width, 0f, scores, 0, tk);
                for (int i = 0; i < tq; i++) {
                    int row = i * tk;
                    if (mask != null) mask.apply(bi, i, scores, row);
                    VectorMath.softmax(scores, row, tk);
                }
                gemm(false, false, tq, hd, tk, 1f, scores, 0, tk, v, kOff, width, 0f, od, qOff, width);
            }
        });
        return out;
    }

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    /** A per-thread buffer of at least {@code n} floats, reused across calls (no allocation per call). */
    private static float[] scratch(int n) {
        float[][] holder = SCRATCH.get();
        if (holder[0].length < n) holder[0] = new float[Math.max(n, holder[0].length * 2)];
        return holder[0];
    }

    /** Softmax over {@code n} values starting at {@code off}, in place. */
    public static void softmax(float[] a, int off, int n) {
        VectorMath.softmax(a, off, n);
    }
}
