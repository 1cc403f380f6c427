package org.idefics4j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sum of a vector's lanes in one fixed order (a halving tree of lane-wise adds). The Vector API's
 * {@code reduceLanes(ADD)} leaves the order open, and HotSpot's compiled code and its interpreter
 * pick different ones: results would then change, in the last bit, once a method gets JIT-compiled.
 * The shuffles are separate constants (not an array) so that C2 folds them and keeps every step a
 * vector instruction; a loop over an array of shuffles fell back to boxed vectors inside larger
 * methods.
 */
final class Lanes {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorShuffle<Float> H1 = halfShift(L / 2);
    private static final VectorShuffle<Float> H2 = halfShift(Math.max(1, L / 4));
    private static final VectorShuffle<Float> H3 = halfShift(Math.max(1, L / 8));
    private static final VectorShuffle<Float> H4 = halfShift(Math.max(1, L / 16));

    private Lanes() {
    }

    /** Lane i takes lane i + h (wrapping). */
    private static VectorShuffle<Float> halfShift(int h) {
        return VectorShuffle.fromOp(S, i -> (i + h) % L);
    }

    static float sum(FloatVector v) {
        // lane 0 ends up with the sum in the same order for every species up to 16 lanes
        if (L >= 2) v = v.add(v.rearrange(H1));
        if (L >= 4) v = v.add(v.rearrange(H2));
        if (L >= 8) v = v.add(v.rearrange(H3));
        if (L >= 16) v = v.add(v.rearrange(H4));
        if (L > 16) {
            float[] lanes = v.toArray(); // wider machines: finish in lane order
            float s = 0;
            for (int i = 0; i < L / 16; i++) s += lanes[i];
            return s;
        }
        return v.lane(0);
    }
}
