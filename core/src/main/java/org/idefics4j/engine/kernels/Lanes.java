package org.idefics4j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sum of a vector's lanes in one fixed order (a halving tree of lane-wise adds). The Vector API's
 * {@code reduceLanes(ADD)} leaves the order open, and HotSpot's compiled code and its interpreter
 * pick different ones: results would then change, in the last bit, once a method gets JIT-compiled.
 */
final class Lanes {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorShuffle<Float>[] HALVES = halves();

    private Lanes() {
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] halves() {
        int l = S.length(), steps = Integer.numberOfTrailingZeros(l);
        VectorShuffle<Float>[] out = new VectorShuffle[steps];
        for (int k = 0, half = l / 2; half >= 1; k++, half /= 2) {
            int h = half;
            out[k] = VectorShuffle.fromOp(S, i -> (i + h) % l); // lane i gets lane i + half
        }
        return out;
    }

    static float sum(FloatVector v) {
        for (VectorShuffle<Float> s : HALVES) v = v.add(v.rearrange(s));
        return v.lane(0);
    }
}
