package org.idefics4j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.idefics4j.engine.DType;
import org.idefics4j.engine.Parallel;
import org.idefics4j.engine.StoredTensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.idefics4j.engine.kernels.WeightCodec.F;
import static org.idefics4j.engine.kernels.WeightCodec.L;

/**
 * {@code out[M,N] = x[M,K]·wᵀ} for a few rows of x (decode: M = 1). Here every weight is used only
 * M times, so the product is bound by how fast the weights stream from memory: no packing, the
 * weight rows are read once, straight from the (mapped) segment with vector loads, in parallel
 * over N. Each dot product keeps its partial sums in vector lanes and reduces once at the end.
 * Four weight rows are processed together (four independent FMA chains, four memory streams);
 * with two or more x rows, each pair of x rows meets the four weight rows while they are hot in
 * L1/L2, so W still comes from memory once.
 */
final class MatVec {
    private MatVec() {
    }

    /** Rows of W handled together. */
    private static final int RW = 4;

    static void run(float[] x, int m, int k, StoredTensor w, float[] out) {
        int n = w.dim(0);
        DType dt = w.dtype();
        MemorySegment seg = w.segment();
        int groups = (n + RW - 1) / RW;
        // ~64 KB of weights per task at least, so the fork/join overhead stays small
        int grain = Math.max(1, (1 << 16) / Math.max(1, k * dt.bytes() * RW));
        if (dt == DType.BF16) {
            PackedGemm.Scratch s = PackedGemm.Scratch.acquire();
            try {
                float[] xd = deinterleave(x, m, k, s.row(m * k));
                Parallel.forRange(groups, grain, (from, to) ->
                        bf16Rows(x, xd, m, k, seg, n, from * RW, Math.min(n, to * RW), out));
            } finally {
                s.release();
            }
            return;
        }
        Parallel.forRange(groups, grain, (from, to) -> {
            if (dt == DType.F16) {
                f16Rows(x, m, k, seg, n, from * RW, Math.min(n, to * RW), out);
            } else {
                rows(x, m, k, seg, 0, n, from * RW, Math.min(n, to * RW), out);
            }
        });
    }

    // ------------------------------------------------------------------ BF16

    /*
     * BF16 weights are read as int lanes, each holding two weights (little-endian: the even one in
     * the low half). (v << 16) gives the even weights as floats, (v & 0xffff0000) the odd ones:
     * two vectors of weights for one load and two cheap integer ops, and no lane-widening
     * conversion (C2 did not intrinsify the S2I convertShape here: that version ran at ~14 GB/s,
     * this one at ~21 GB/s). The matching x values are de-interleaved once per call: per block of
     * 2L, the L even ones, then the L odd ones.
     */
    private static final int B2 = 2 * L;
    private static final int HI = 0xffff0000;

    private static float[] deinterleave(float[] x, int m, int k, float[] xd) {
        int full = k / B2 * B2;
        for (int i = 0; i < m; i++) {
            int o = i * k;
            for (int b = 0; b < full; b += B2) {
                for (int t = 0; t < L; t++) {
                    xd[o + b + t] = x[o + b + 2 * t];
                    xd[o + b + L + t] = x[o + b + 2 * t + 1];
                }
            }
        }
        return xd;
    }

    private static void bf16Rows(float[] x, float[] xd, int m, int k, MemorySegment seg, int n, int j0, int j1,
                                 float[] out) {
        if (m == 1) {
            // one x row: one sequential stream of weights (see rows)
            for (int j = j0; j < j1; j++) out[j] = bf16DotStream(seg, (long) j * k, x, xd, 0, k);
            return;
        }
        int j = j0;
        for (; j + RW <= j1; j += RW) {
            long e = (long) j * k;
            int i = 0;
            for (; i + 2 <= m; i += 2) {
                bf16Dot2x2(seg, e, e + k, x, xd, i * k, (i + 1) * k, k, out, i * n + j, n);
                bf16Dot2x2(seg, e + 2L * k, e + 3L * k, x, xd, i * k, (i + 1) * k, k, out, i * n + j + 2, n);
            }
            if (i < m) bf16Dot4x1(seg, e, k, x, xd, i * k, out, i * n + j);
        }
        for (; j < j1; j++) {
            for (int i = 0; i < m; i++) out[i * n + j] = bf16Dot1(seg, (long) j * k, x, xd, i * k, k);
        }
    }

    /**
     * Int lanes at element {@code p} of a row starting at byte {@code rowBytes}. The address is kept
     * in the form invariant + 2·p: C2 then hoists the segment's bounds check out of the loop, which
     * it does not for {@code (e + p)·2} (measured: twice the bandwidth).
     */
    private static IntVector ints(MemorySegment seg, long rowBytes, int p) {
        return IntVector.fromMemorySegment(WeightCodec.I, seg, rowBytes + 2L * p, WeightCodec.LE);
    }

    private static FloatVector even(IntVector v) {
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector odd(IntVector v) {
        return v.and(HI).reinterpretAsFloats();
    }

    private static float bf16(MemorySegment seg, long e) {
        return WeightCodec.scalar(DType.BF16, seg, e);
    }

    private static void bf16Dot4x1(MemorySegment seg, long e, int k, float[] x, float[] xd, int xo,
                                   float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        long e1 = e + k, e2 = e1 + k, e3 = e2 + k;
        int p = 0;
        for (; p <= k - B2; p += B2) {
            FloatVector xe = FloatVector.fromArray(F, xd, xo + p), xv = FloatVector.fromArray(F, xd, xo + p + L);
            IntVector w0 = ints(seg, e * 2, p), w1 = ints(seg, e1 * 2, p), w2 = ints(seg, e2 * 2, p), w3 = ints(seg, e3 * 2, p);
            a0 = odd(w0).fma(xv, even(w0).fma(xe, a0));
            a1 = odd(w1).fma(xv, even(w1).fma(xe, a1));
            a2 = odd(w2).fma(xv, even(w2).fma(xe, a2));
            a3 = odd(w3).fma(xv, even(w3).fma(xe, a3));
        }
        float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1);
        float s2 = Lanes.sum(a2), s3 = Lanes.sum(a3);
        for (; p < k; p++) {
            float xs = x[xo + p];
            s0 += xs * bf16(seg, e + p);
            s1 += xs * bf16(seg, e1 + p);
            s2 += xs * bf16(seg, e2 + p);
            s3 += xs * bf16(seg, e3 + p);
        }
        out[o] = s0;
        out[o + 1] = s1;
        out[o + 2] = s2;
        out[o + 3] = s3;
    }

    private static void bf16Dot2x2(MemorySegment seg, long e0, long e1, float[] x, float[] xd, int x0, int x1,
                                   int k, float[] out, int o, int n) {
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
        int p = 0;
        for (; p <= k - B2; p += B2) {
            IntVector v0 = ints(seg, e0 * 2, p), v1 = ints(seg, e1 * 2, p);
            FloatVector w0e = even(v0), w0o = odd(v0), w1e = even(v1), w1o = odd(v1);
            FloatVector xae = FloatVector.fromArray(F, xd, x0 + p), xao = FloatVector.fromArray(F, xd, x0 + p + L);
            FloatVector xbe = FloatVector.fromArray(F, xd, x1 + p), xbo = FloatVector.fromArray(F, xd, x1 + p + L);
            a00 = w0o.fma(xao, w0e.fma(xae, a00));
            a01 = w1o.fma(xao, w1e.fma(xae, a01));
            a10 = w0o.fma(xbo, w0e.fma(xbe, a10));
            a11 = w1o.fma(xbo, w1e.fma(xbe, a11));
        }
        float s00 = Lanes.sum(a00), s01 = Lanes.sum(a01);
        float s10 = Lanes.sum(a10), s11 = Lanes.sum(a11);
        for (; p < k; p++) {
            float w0 = bf16(seg, e0 + p), w1 = bf16(seg, e1 + p);
            s00 += x[x0 + p] * w0;
            s01 += x[x0 + p] * w1;
            s10 += x[x1 + p] * w0;
            s11 += x[x1 + p] * w1;
        }
        out[o] = s00;
        out[o + 1] = s01;
        out[o + n] = s10;
        out[o + n + 1] = s11;
    }

    private static float bf16DotStream(MemorySegment seg, long e, float[] x, float[] xd, int xo, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int p = 0;
        for (; p <= k - 2 * B2; p += 2 * B2) {
            IntVector v = ints(seg, e * 2, p), u = ints(seg, e * 2, p + B2);
            a0 = even(v).fma(FloatVector.fromArray(F, xd, xo + p), a0);
            a1 = odd(v).fma(FloatVector.fromArray(F, xd, xo + p + L), a1);
            a2 = even(u).fma(FloatVector.fromArray(F, xd, xo + p + B2), a2);
            a3 = odd(u).fma(FloatVector.fromArray(F, xd, xo + p + B2 + L), a3);
        }
        for (; p <= k - B2; p += B2) {
            IntVector v = ints(seg, e * 2, p);
            a0 = even(v).fma(FloatVector.fromArray(F, xd, xo + p), a0);
            a1 = odd(v).fma(FloatVector.fromArray(F, xd, xo + p + L), a1);
        }
        float s = Lanes.sum(a0.add(a1).add(a2.add(a3)));
        for (; p < k; p++) s += x[xo + p] * bf16(seg, e + p);
        return s;
    }

    private static float bf16Dot1(MemorySegment seg, long e, float[] x, float[] xd, int xo, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        int p = 0;
        for (; p <= k - B2; p += B2) {
            IntVector v = ints(seg, e * 2, p);
            a0 = even(v).fma(FloatVector.fromArray(F, xd, xo + p), a0);
            a1 = odd(v).fma(FloatVector.fromArray(F, xd, xo + p + L), a1);
        }
        float s = Lanes.sum(a0.add(a1));
        for (; p < k; p++) s += x[xo + p] * bf16(seg, e + p);
        return s;
    }

    // ------------------------------------------------------------------ F32 (and decoded F16)

    /**
     * Output columns {@code [j0, j1)}; weight row j starts at element {@code (j - rowShift)·k} of
     * {@code seg} (rowShift lets a decoded scratch copy of a few rows stand in for the weight).
     */
    private static void rows(float[] x, int m, int k, MemorySegment seg, int rowShift, int n,
                             int j0, int j1, float[] out) {
        if (m == 1) {
            // one x row: read the weights as one sequential stream, row after row (measured
            // ~30 GB/s from DRAM against ~26 GB/s for four interleaved row streams)
            streamRows(seg, (long) (j0 - rowShift) * k, j1 - j0, x, k, out, j0);
            return;
        }
        int j = j0;
        for (; j + RW <= j1; j += RW) {
            long e = (long) (j - rowShift) * k;
            int i = 0;
            for (; i + 2 <= m; i += 2) {
                // two x rows against the 4 weight rows: W is read from memory once, re-read from L1/L2
                dot2x2(seg, e, e + k, x, i * k, (i + 1) * k, k, out, i * n + j, n);
                dot2x2(seg, e + 2L * k, e + 3L * k, x, i * k, (i + 1) * k, k, out, i * n + j + 2, n);
            }
            if (i < m) dot4x1(seg, e, k, x, i * k, out, i * n + j);
        }
        for (; j < j1; j++) {
            long e = (long) (j - rowShift) * k;
            for (int i = 0; i < m; i++) out[i * n + j] = dot1(seg, e, x, i * k, k);
        }
    }

    /** F16: no vector conversion exists, so decode a few rows to float32 scratch, then stream that. */
    private static void f16Rows(float[] x, int m, int k, MemorySegment seg, int n, int j0, int j1, float[] out) {
        int chunk = Math.max(RW, (1 << 15) / Math.max(1, k) / RW * RW);
        int size = Math.min(chunk, j1 - j0) * k;
        F16Scratch f = F16_SCRATCH.get();
        if (f.tmp.length < size) {
            f.tmp = new float[size];
            f.seg = Arena.ofAuto().allocate((long) size * 4, 64);
        }
        float[] tmp = f.tmp;
        MemorySegment scratch = f.seg;
        for (int j = j0; j < j1; j += chunk) {
            int rows = Math.min(chunk, j1 - j);
            WeightCodec.decode(DType.F16, seg, (long) j * k, tmp, 0, rows * k);
            MemorySegment.copy(tmp, 0, scratch, WeightCodec.F32, 0, rows * k);
            rows(x, m, k, scratch, j, n, j, j + rows, out);
        }
    }

    private static final class F16Scratch {
        float[] tmp = new float[0];
        MemorySegment seg;
    }

    /** Per-thread decode buffers (the pool's threads live as long as the process). */
    private static final ThreadLocal<F16Scratch> F16_SCRATCH = ThreadLocal.withInitial(F16Scratch::new);

    /** F32 lanes at element {@code p} of a row starting at byte {@code rowBytes} (see {@link #ints}). */
    private static FloatVector load(MemorySegment seg, long rowBytes, int p) {
        return FloatVector.fromMemorySegment(F, seg, rowBytes + 4L * p, WeightCodec.LE);
    }

    private static float scalar(MemorySegment seg, long e) {
        return seg.get(WeightCodec.F32, e * 4);
    }

    /** Four consecutive weight rows (from element e, stride k) · one x row → out[o..o+3]. */
    private static void dot4x1(MemorySegment seg, long e, int k, float[] x, int xo,
                               float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        long e1 = e + k, e2 = e1 + k, e3 = e2 + k;
        int p = 0;
        for (; p <= k - L; p += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + p);
            a0 = load(seg, e * 4, p).fma(xv, a0);
            a1 = load(seg, e1 * 4, p).fma(xv, a1);
            a2 = load(seg, e2 * 4, p).fma(xv, a2);
            a3 = load(seg, e3 * 4, p).fma(xv, a3);
        }
        float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1);
        float s2 = Lanes.sum(a2), s3 = Lanes.sum(a3);
        for (; p < k; p++) {
            float xv = x[xo + p];
            s0 += xv * scalar(seg, e + p);
            s1 += xv * scalar(seg, e1 + p);
            s2 += xv * scalar(seg, e2 + p);
            s3 += xv * scalar(seg, e3 + p);
        }
        out[o] = s0;
        out[o + 1] = s1;
        out[o + 2] = s2;
        out[o + 3] = s3;
    }

    /** Weight rows at e0, e1 · x rows at x0, x1 → out[o], out[o+1] (row x0) and out[o+n], out[o+n+1] (row x1). */
    private static void dot2x2(MemorySegment seg, long e0, long e1, float[] x, int x0, int x1,
                               int k, float[] out, int o, int n) {
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
        int p = 0;
        for (; p <= k - L; p += L) {
            FloatVector w0 = load(seg, e0 * 4, p), w1 = load(seg, e1 * 4, p);
            FloatVector xa = FloatVector.fromArray(F, x, x0 + p), xb = FloatVector.fromArray(F, x, x1 + p);
            a00 = w0.fma(xa, a00);
            a01 = w1.fma(xa, a01);
            a10 = w0.fma(xb, a10);
            a11 = w1.fma(xb, a11);
        }
        float s00 = Lanes.sum(a00), s01 = Lanes.sum(a01);
        float s10 = Lanes.sum(a10), s11 = Lanes.sum(a11);
        for (; p < k; p++) {
            float w0 = scalar(seg, e0 + p), w1 = scalar(seg, e1 + p);
            s00 += x[x0 + p] * w0;
            s01 += x[x0 + p] * w1;
            s10 += x[x1 + p] * w0;
            s11 += x[x1 + p] * w1;
        }
        out[o] = s00;
        out[o + 1] = s01;
        out[o + n] = s10;
        out[o + n + 1] = s11;
    }

    /** {@code rows} consecutive weight rows from element {@code e} · x → out[o ..]. Kept small so C2 inlines it whole. */
    private static void streamRows(MemorySegment seg, long e, int rows, float[] x, int k, float[] out, int o) {
        for (int r = 0; r < rows; r++) out[o + r] = dotStream(seg, e + (long) r * k, x, 0, k);
    }

    /** One weight row · x with four independent FMA chains (latency hidden within the row). */
    private static float dotStream(MemorySegment seg, long e, float[] x, int xo, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int p = 0;
        for (; p <= k - 4 * L; p += 4 * L) {
            a0 = load(seg, e * 4, p).fma(FloatVector.fromArray(F, x, xo + p), a0);
            a1 = load(seg, e * 4, p + L).fma(FloatVector.fromArray(F, x, xo + p + L), a1);
            a2 = load(seg, e * 4, p + 2 * L).fma(FloatVector.fromArray(F, x, xo + p + 2 * L), a2);
            a3 = load(seg, e * 4, p + 3 * L).fma(FloatVector.fromArray(F, x, xo + p + 3 * L), a3);
        }
        for (; p <= k - L; p += L) a0 = load(seg, e * 4, p).fma(FloatVector.fromArray(F, x, xo + p), a0);
        float s = Lanes.sum(a0.add(a1).add(a2.add(a3)));
        for (; p < k; p++) s += x[xo + p] * scalar(seg, e + p);
        return s;
    }

    private static float dot1(MemorySegment seg, long e, float[] x, int xo, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        int p = 0;
        for (; p <= k - 2 * L; p += 2 * L) {
            a0 = load(seg, e * 4, p).fma(FloatVector.fromArray(F, x, xo + p), a0);
            a1 = load(seg, e * 4, p + L).fma(FloatVector.fromArray(F, x, xo + p + L), a1);
        }
        for (; p <= k - L; p += L) a0 = load(seg, e * 4, p).fma(FloatVector.fromArray(F, x, xo + p), a0);
        float s = Lanes.sum(a0.add(a1));
        for (; p < k; p++) s += x[xo + p] * scalar(seg, e + p);
        return s;
    }
}
