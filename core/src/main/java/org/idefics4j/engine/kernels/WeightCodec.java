package org.idefics4j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;
import org.idefics4j.engine.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Decoding stored weights (little-endian F32 / BF16 / F16 in a {@link MemorySegment}) to float32
 * vectors and arrays.
 */
final class WeightCodec {
    private WeightCodec() {
    }

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Ints with as many lanes as {@link #F}. */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    /** F32 lanes at element index {@code e}. */
    static FloatVector f32(MemorySegment seg, long e) {
        return FloatVector.fromMemorySegment(F, seg, e * 4, LE);
    }

    static float scalar(DType dt, MemorySegment seg, long e) {
        return switch (dt) {
            case F32 -> seg.get(F32, e * 4);
            case BF16 -> Float.intBitsToFloat((seg.get(I16, e * 2) & 0xffff) << 16);
            case F16 -> Float.float16ToFloat(seg.get(I16, e * 2));
            default -> throw new IllegalArgumentException("not a float weight type: " + dt);
        };
    }

    /** Decodes {@code n} elements from element index {@code e} into {@code dst[off..]}. */
    static void decode(DType dt, MemorySegment seg, long e, float[] dst, int off, int n) {
        int j = 0;
        switch (dt) {
            case F32 -> {
                MemorySegment.copy(seg, F32, e * 4, dst, off, n);
                return;
            }
            case BF16 -> {
                // scalar: the vector widening (see bf16) is not intrinsified by C2 in JDK 25 and is slower
                for (; j < n; j++) dst[off + j] = Float.intBitsToFloat((seg.get(I16, (e + j) * 2) & 0xffff) << 16);
            }
            case F16 -> {
                // no F16 lane conversion in the Vector API (JDK 25): the scalar one is an intrinsic
                for (; j < n; j++) dst[off + j] = Float.float16ToFloat(seg.get(I16, (e + j) * 2));
            }
            default -> throw new IllegalArgumentException("not a float weight type: " + dt);
        }
        for (; j < n; j++) dst[off + j] = scalar(dt, seg, e + j);
    }
}
