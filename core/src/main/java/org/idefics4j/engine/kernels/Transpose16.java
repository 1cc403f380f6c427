package org.idefics4j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * In-register 16×16 float transpose (AVX-512: one vector per row), used to pack stored weight rows
 * into the column-major-by-panel layout of B without one scalar store per element.
 *
 * <p>Each stage pairs row i with row i+8 and interleaves them (low halves → row 2i, high halves →
 * row 2i+1) with a two-vector permute. Seen on the 8-bit (row, lane) index of an element, a stage
 * rotates the bits left by one; four stages swap row and lane: the transpose.
 */
final class Transpose16 {
    private Transpose16() {
    }

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Usable only where vectors have exactly 16 float lanes. */
    static final boolean AVAILABLE = F.length() == 16;
    private static final FloatVector LO, HI;

    static {
        float[] lo = new float[F.length()], hi = new float[F.length()];
        for (int j = 0; j < F.length() / 2; j++) {
            lo[2 * j] = j;
            lo[2 * j + 1] = j + F.length();
            hi[2 * j] = j + F.length() / 2;
            hi[2 * j + 1] = j + F.length() + F.length() / 2;
        }
        LO = FloatVector.fromArray(F, lo, 0);
        HI = FloatVector.fromArray(F, hi, 0);
    }

    /** Writes the transpose of rows r0..r15: lane p of every row goes to {@code dst[off + p·stride ..+16]}. */
    static void store(float[] dst, int off, int stride, FloatVector r0, FloatVector r1, FloatVector r2, FloatVector r3, FloatVector r4, FloatVector r5, FloatVector r6, FloatVector r7, FloatVector r8, FloatVector r9, FloatVector r10, FloatVector r11, FloatVector r12, FloatVector r13, FloatVector r14, FloatVector r15) {
        FloatVector a0 = LO.selectFrom(r0, r8), a1 = HI.selectFrom(r0, r8);
        FloatVector a2 = LO.selectFrom(r1, r9), a3 = HI.selectFrom(r1, r9);
        FloatVector a4 = LO.selectFrom(r2, r10), a5 = HI.selectFrom(r2, r10);
        FloatVector a6 = LO.selectFrom(r3, r11), a7 = HI.selectFrom(r3, r11);
        FloatVector a8 = LO.selectFrom(r4, r12), a9 = HI.selectFrom(r4, r12);
        FloatVector a10 = LO.selectFrom(r5, r13), a11 = HI.selectFrom(r5, r13);
        FloatVector a12 = LO.selectFrom(r6, r14), a13 = HI.selectFrom(r6, r14);
        FloatVector a14 = LO.selectFrom(r7, r15), a15 = HI.selectFrom(r7, r15);
        FloatVector b0 = LO.selectFrom(a0, a8), b1 = HI.selectFrom(a0, a8);
        FloatVector b2 = LO.selectFrom(a1, a9), b3 = HI.selectFrom(a1, a9);
        FloatVector b4 = LO.selectFrom(a2, a10), b5 = HI.selectFrom(a2, a10);
        FloatVector b6 = LO.selectFrom(a3, a11), b7 = HI.selectFrom(a3, a11);
        FloatVector b8 = LO.selectFrom(a4, a12), b9 = HI.selectFrom(a4, a12);
        FloatVector b10 = LO.selectFrom(a5, a13), b11 = HI.selectFrom(a5, a13);
        FloatVector b12 = LO.selectFrom(a6, a14), b13 = HI.selectFrom(a6, a14);
        FloatVector b14 = LO.selectFrom(a7, a15), b15 = HI.selectFrom(a7, a15);
        FloatVector c0 = LO.selectFrom(b0, b8), c1 = HI.selectFrom(b0, b8);
        FloatVector c2 = LO.selectFrom(b1, b9), c3 = HI.selectFrom(b1, b9);
        FloatVector c4 = LO.selectFrom(b2, b10), c5 = HI.selectFrom(b2, b10);
        FloatVector c6 = LO.selectFrom(b3, b11), c7 = HI.selectFrom(b3, b11);
        FloatVector c8 = LO.selectFrom(b4, b12), c9 = HI.selectFrom(b4, b12);
        FloatVector c10 = LO.selectFrom(b5, b13), c11 = HI.selectFrom(b5, b13);
        FloatVector c12 = LO.selectFrom(b6, b14), c13 = HI.selectFrom(b6, b14);
        FloatVector c14 = LO.selectFrom(b7, b15), c15 = HI.selectFrom(b7, b15);
        FloatVector d0 = LO.selectFrom(c0, c8), d1 = HI.selectFrom(c0, c8);
        FloatVector d2 = LO.selectFrom(c1, c9), d3 = HI.selectFrom(c1, c9);
        FloatVector d4 = LO.selectFrom(c2, c10), d5 = HI.selectFrom(c2, c10);
        FloatVector d6 = LO.selectFrom(c3, c11), d7 = HI.selectFrom(c3, c11);
        FloatVector d8 = LO.selectFrom(c4, c12), d9 = HI.selectFrom(c4, c12);
        FloatVector d10 = LO.selectFrom(c5, c13), d11 = HI.selectFrom(c5, c13);
        FloatVector d12 = LO.selectFrom(c6, c14), d13 = HI.selectFrom(c6, c14);
        FloatVector d14 = LO.selectFrom(c7, c15), d15 = HI.selectFrom(c7, c15);
        d0.intoArray(dst, off + 0 * stride);
        d1.intoArray(dst, off + 1 * stride);
        d2.intoArray(dst, off + 2 * stride);
        d3.intoArray(dst, off + 3 * stride);
        d4.intoArray(dst, off + 4 * stride);
        d5.intoArray(dst, off + 5 * stride);
        d6.intoArray(dst, off + 6 * stride);
        d7.intoArray(dst, off + 7 * stride);
        d8.intoArray(dst, off + 8 * stride);
        d9.intoArray(dst, off + 9 * stride);
        d10.intoArray(dst, off + 10 * stride);
        d11.intoArray(dst, off + 11 * stride);
        d12.intoArray(dst, off + 12 * stride);
        d13.intoArray(dst, off + 13 * stride);
        d14.intoArray(dst, off + 14 * stride);
        d15.intoArray(dst, off + 15 * stride);
    }
}
