package org.idefics4j.engine;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The element-wise kernels against double-precision definitions. Tolerances: a few float32 ulps
 * (~2e-7 relative) plus the 1.5e-7 absolute error of the erf approximation.
 */
class KernelsTest {
    private static float[] randomValues(int n, double scale, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        a[0] = 0;
        a[1] = -12f;
        a[2] = 12f;
        return a;
    }

    @Test
    void activationsMatchTheirDefinitions() {
        float[] x = randomValues(1003, 4, 1); // odd length: vector body and scalar tail
        for (Kernels.Activation act : Kernels.Activation.values()) {
            Tensor t = Tensor.of(x.clone(), x.length);
            Kernels.activate(t, act);
            for (int i = 0; i < x.length; i++) {
                double v = x[i];
                double e = switch (act) {
                    case SILU -> v / (1 + Math.exp(-v));
                    case GELU -> 0.5 * v * (1 + Erf.erf(v / Math.sqrt(2)));
                    case GELU_TANH -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                    case QUICK_GELU -> v / (1 + Math.exp(-1.702 * v));
                    case RELU -> Math.max(0, v);
                    case TANH -> Math.tanh(v);
                };
                double tol = 4e-7 * Math.max(1, Math.abs(e)) + (act == Kernels.Activation.GELU ? 1.5e-7 * Math.abs(v) : 0);
                assertEquals(e, t.data()[i], tol, act + "(" + v + ")");
            }
        }
    }

    @Test
    void erfOracleIsRight() {
        // known values: erf(0.5) = 0.5204998778130465, erf(1) = 0.8427007929497149, erf(2) = 0.9953222650189527,
        // erf(4) = 0.9999999845827421
        assertEquals(0.5204998778130465, Erf.erf(0.5), 1e-15);
        assertEquals(0.8427007929497149, Erf.erf(1), 1e-15);
        assertEquals(-0.9953222650189527, Erf.erf(-2), 1e-15);
        assertEquals(0.9999999845827421, Erf.erf(4), 1e-15);
    }

    @Test
    void softmaxNormsAndAttention() {
        float[] x = randomValues(37, 3, 2);
        float[] s = x.clone();
        Kernels.softmax(s, 0, s.length);
        double max = Double.NEGATIVE_INFINITY, z = 0;
        for (float v : x) max = Math.max(max, v);
        for (float v : x) z += Math.exp(v - max);
        for (int i = 0; i < x.length; i++) assertEquals(Math.exp(x[i] - max) / z, s[i], 1e-7);

        Tensor t = Tensor.of(x.clone(), 1, 37);
        Tensor w = Tensor.of(randomValues(37, 1, 3), 37);
        Tensor b = Tensor.of(randomValues(37, 1, 4), 37);
        Tensor rms = Kernels.rmsNorm(t, w, 1e-6f), ln = Kernels.layerNorm(t, w, b, 1e-5f);
        double ss = 0, mean = 0;
        for (float v : x) {
            ss += v * (double) v;
            mean += v;
        }
        mean /= 37;
        double var = 0;
        for (float v : x) var += (v - mean) * (v - mean);
        var /= 37;
        for (int i = 0; i < 37; i++) {
            assertEquals(w.data()[i] * x[i] / Math.sqrt(ss / 37 + 1e-6), rms.data()[i], 1e-5);
            assertEquals((x[i] - mean) / Math.sqrt(var + 1e-5) * w.data()[i] + b.data()[i], ln.data()[i], 1e-5);
        }

        // attention: one head, a masked key gets no weight; a query that sees nothing stays finite
        Tensor q = Tensor.of(new float[]{1, 0, 0, 1}, 1, 2, 2);
        Tensor k = Tensor.of(new float[]{1, 0, 0, 1}, 1, 2, 2);
        Tensor v = Tensor.of(new float[]{10, 20, 30, 40}, 1, 2, 2);
        Tensor o = Kernels.attention(q, k, v, 1, 1f, (bi, i, sc, off) -> sc[off + 1] = Float.NEGATIVE_INFINITY);
        assertEquals(10, o.data()[0], 1e-6);
        assertEquals(20, o.data()[1], 1e-6);
        Tensor all = Kernels.attention(q, k, v, 1, 1f, (bi, i, sc, off) -> java.util.Arrays.fill(sc, off, off + 2, Float.NEGATIVE_INFINITY));
        assertTrue(Float.isFinite(all.data()[0]) && Float.isFinite(all.data()[3]));
    }

    @Test
    void sameInputGivesTheSameBitsInterpretedAndCompiled() {
        // the first calls run interpreted, later ones JIT-compiled: results must not change
        float[] x = randomValues(1003, 4, 5);
        float[][] first = new float[3][];
        for (int rep = 0; rep < 3000; rep++) {
            int k = 0;
            for (Kernels.Activation act : new Kernels.Activation[]{Kernels.Activation.GELU, Kernels.Activation.SILU}) {
                Tensor t = Tensor.of(x.clone(), x.length);
                Kernels.activate(t, act);
                if (rep == 0) first[k] = t.data();
                else assertArrayEquals(first[k], t.data(), act + " changed at call " + rep);
                k++;
            }
            float[] s = x.clone();
            Kernels.softmax(s, 0, s.length);
            if (rep == 0) first[2] = s;
            else assertArrayEquals(first[2], s, "softmax changed at call " + rep);
        }
    }
}
