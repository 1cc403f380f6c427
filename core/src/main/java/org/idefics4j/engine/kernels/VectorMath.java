package org.idefics4j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise kernels (activations, softmax, reductions) on float arrays, vectorised. Internal:
 * called through {@link org.idefics4j.engine.Kernels}.
 *
 * <p>Results are bit-reproducible: the same input gives the same output whether the code runs
 * interpreted or JIT-compiled. That is why exp is our own polynomial built from IEEE-exact
 * operations (the Vector API's EXP is a library call when compiled and {@code Math.exp} per lane
 * when not, which differ in the last bit), and why lane sums are reduced in a fixed order.
 */
public final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    // erf(x) ≈ 1 − (a1·t + … + a5·t⁵)·exp(−x²), t = 1/(1 + p·x) for x ≥ 0 (Abramowitz & Stegun 7.1.26):
    // absolute error below 1.5e-7, the size of a float32 rounding of values near 1.
    private static final float P = 0.3275911f;
    private static final float A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f, A4 = -1.453152027f,
            A5 = 1.061405429f;

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float EXP_MAX = 88.7f, EXP_MIN = -87.3f;
    private static final float SHIFTER = 12582912f; // 1.5·2²³: adding it rounds to an integer

    private VectorMath() {
    }

    /**
     * e^x per lane: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial (relative
     * error below 1e-8), times 2ⁿ built in the exponent bits. Below −87.3 gives 0, above 88.7 +∞.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector shifted = xc.mul(LOG2E).add(SHIFTER); // n sits in the low mantissa bits
        FloatVector n = shifted.sub(SHIFTER);
        FloatVector r = n.mul(-LN2_HI).add(xc);
        r = n.mul(-LN2_LO).add(r);
        FloatVector p = r.mul(1f / 5040).add(1f / 720);
        p = p.mul(r).add(1f / 120);
        p = p.mul(r).add(1f / 24);
        p = p.mul(r).add(1f / 6);
        p = p.mul(r).add(0.5f);
        p = p.mul(r).add(1f);
        p = p.mul(r).add(1f);
        // 2ⁿ from the bits of `shifted` (0x4B400000 + n): integer lane ops only, since the F2I
        // conversion is not intrinsified by C2 here and would box vectors on every call
        IntVector bits = ((IntVector) shifted.reinterpretAsInts()).sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23);
        FloatVector y = p.mul(bits.reinterpretAsFloats());
        y = y.blend(0f, x.lt(EXP_MIN));
        return y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX));
    }

    /** The same computation for one value (loop tails), so tails match the vector lanes bit for bit. */
    static float exp(float x) {
        if (x < EXP_MIN) return 0f;
        if (x > EXP_MAX) return Float.POSITIVE_INFINITY;
        float n = x * LOG2E + SHIFTER - SHIFTER;
        float r = n * -LN2_HI + x;
        r = n * -LN2_LO + r;
        float p = r * (1f / 5040) + 1f / 720;
        p = p * r + 1f / 120;
        p = p * r + 1f / 24;
        p = p * r + 1f / 6;
        p = p * r + 0.5f;
        p = p * r + 1f;
        p = p * r + 1f;
        return p * Float.intBitsToFloat(((int) n + 127) << 23);
    }


    /** x·sigmoid(x) in place. */
    public static void silu(float[] a, int off, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, off + i);
            FloatVector e = exp(x.neg());
            x.div(e.add(1f)).intoArray(a, off + i);
        }
        for (; i < n; i++) a[off + i] = a[off + i] / (1f + exp(-a[off + i]));
    }

    /** x·sigmoid(1.702·x) in place (quick_gelu). */
    public static void quickGelu(float[] a, int off, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, off + i);
            FloatVector e = exp(x.mul(-1.702f));
            x.div(e.add(1f)).intoArray(a, off + i);
        }
        for (; i < n; i++) a[off + i] = a[off + i] / (1f + exp(a[off + i] * -1.702f));
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
            FloatVector erfAbs = poly.mul(exp(az.mul(az).neg())).neg().add(1f);
            FloatVector erf = erfAbs.blend(erfAbs.neg(), z.lt(0f));
            x.mul(0.5f).mul(erf.add(1f)).intoArray(a, off + i);
        }
        for (; i < n; i++) {
            float x = a[off + i], z = x * invSqrt2, az = Math.abs(z);
            float t = 1f / (az * P + 1f);
            float poly = ((((t * A5 + A4) * t + A3) * t + A2) * t + A1) * t;
            float erfAbs = -(poly * exp(-(az * az))) + 1f;
            a[off + i] = x * 0.5f * ((z < 0 ? -erfAbs : erfAbs) + 1f);
        }
    }

    /**
     * The tanh approximation of GELU in place: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), with
     * tanh(z) = 1 − 2/(e^{2z} + 1) (transformers' gelu_new / gelu_pytorch_tanh).
     */
    public static void geluTanh(float[] a, int off, int n) {
        final float c = 0.7978845608028654f;
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, off + i);
            FloatVector z = x.mul(x).mul(x).mul(0.044715f).add(x).mul(c);
            FloatVector t = FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(exp(z.mul(2f)).add(1f)));
            x.mul(0.5f).mul(t.add(1f)).intoArray(a, off + i);
        }
        for (; i < n; i++) {
            float x = a[off + i], z = (x * x * x * 0.044715f + x) * c;
            float t = 1f - 2f / (exp(z * 2f) + 1f);
            a[off + i] = x * 0.5f * (t + 1f);
        }
    }

    /** Softmax of a[off .. off+n) in place; a row of −∞ only becomes uniform. */
    public static void softmax(float[] a, int off, int n) {
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i <= n - L; i += L) vmax = vmax.max(FloatVector.fromArray(S, a, off + i));
        float max = vmax.reduceLanes(VectorOperators.MAX); // max is exact in any order
        for (; i < n; i++) max = Math.max(max, a[off + i]);
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(a, off, off + n, 1f / n);
            return;
        }
        FloatVector vsum = FloatVector.zero(S);
        i = 0;
        for (; i <= n - L; i += L) {
            FloatVector e = exp(FloatVector.fromArray(S, a, off + i).sub(max));
            e.intoArray(a, off + i);
            vsum = vsum.add(e);
        }
        float sum = Lanes.sum(vsum);
        for (; i < n; i++) {
            float e = exp(a[off + i] - max);
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
        double s = Lanes.sum(acc);
        for (; i < n; i++) s += (double) a[off + i] * a[off + i];
        return s;
    }

    public static double sum(float[] a, int off, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) acc = acc.add(FloatVector.fromArray(S, a, off + i));
        double s = Lanes.sum(acc);
        for (; i < n; i++) s += a[off + i];
        return s;
    }
}
