package org.idefics4j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise kernels (activations, softmax, reductions) on float arrays, vectorised. Internal:
 * called through {@link org.idefics4j.engine.Kernels}.
 */
public final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    // erf(x) ≈ 1 − (a1·t + … + a5·t⁵)·exp(−x²), t = 1/(1 + p·x) for x ≥ 0 (Abramowitz & Stegun 7.1.26):
    // absolute error below 1.5e-7, the size of a float32 rounding of values near 1.
    private static final float P = 0.3275911f;
    private static final float A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f, A4 = -1.453152027f,
            A5 = 1.061405429f;

    private VectorMath() {
    }

    /** x·sigmoid(x) in place. */
    public static void silu(float[] a, int off, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, off + i);
            FloatVector e = x.neg().lanewise(VectorOperators.EXP);
            x.div(e.add(1f)).intoArray(a, off + i);
        }
        for (; i < n; i++) a[off + i] = a[off + i] / (1f + (float) Math.exp(-a[off + i]));
    }

    /** x·sigmoid(1.702·x) in place (quick_gelu). */
    public static void quickGelu(float[] a, int off, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, off + i);
            FloatVector e = x.mul(-1.702f).lanewise(VectorOperators.EXP);
            x.div(e.add(1f)).intoArray(a, off + i);
        }
        for (; i < n; i++) a[off + i] = a[off + i] / (1f + (float) Math.exp(-1.702 * a[off + i]));
    }

    /** Exact (erf) GELU in place: 0.5·x·(1 + erf(x/√2)). */
    public static void gelu(float[] a, int off, int n) {
        final float invSqrt2 = 0.70710678118654752f;
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, off + i);
            FloatVector z = x.mul(invSqrt2);
            FloatVector az = z.abs();
            FloatVector t = az.mul(P).add(1f);
            t = FloatVector.broadcast(S, 1f).div(t);
            FloatVector poly = t.mul(A5).add(A4).mul(t).add(A3).mul(t).add(A2).mul(t).add(A1).mul(t);
            FloatVector erfAbs = poly.mul(az.mul(az).neg().lanewise(VectorOperators.EXP)).neg().add(1f);
            FloatVector erf = erfAbs.blend(erfAbs.neg(), z.lt(0f));
            x.mul(0.5f).mul(erf.add(1f)).intoArray(a, off + i);
        }
        for (; i < n; i++) a[off + i] = (float) (0.5 * a[off + i] * (1 + erfScalar(a[off + i] * invSqrt2)));
    }

    private static double erfScalar(double z) {
        double az = Math.abs(z), t = 1 / (1 + P * az);
        double r = 1 - ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t * Math.exp(-az * az);
        return z < 0 ? -r : r;
    }

    /** Softmax of a[off .. off+n) in place; a row of −∞ only becomes uniform. */
    public static void softmax(float[] a, int off, int n) {
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i <= n - L; i += L) vmax = vmax.max(FloatVector.fromArray(S, a, off + i));
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, a[off + i]);
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(a, off, off + n, 1f / n);
            return;
        }
        FloatVector vsum = FloatVector.zero(S);
        i = 0;
        for (; i <= n - L; i += L) {
            FloatVector e = FloatVector.fromArray(S, a, off + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(a, off + i);
            vsum = vsum.add(e);
        }
        float sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(a[off + i] - max);
            a[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, off + i).mul(inv).intoArray(a, off + i);
        for (; i < n; i++) a[off + i] *= inv;
    }

    /** Σ a[i]² over the range, accumulated in float vectors (then summed in double). */
    public static double sumSquares(float[] a, int off, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, off + i);
            acc = x.fma(x, acc);
        }
        double s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += (double) a[off + i] * a[off + i];
        return s;
    }

    public static double sum(float[] a, int off, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) acc = acc.add(FloatVector.fromArray(S, a, off + i));
        double s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += a[off + i];
        return s;
    }
}
