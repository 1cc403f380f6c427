package org.idefics4j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.idefics4j.engine.Parallel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * This machine's ceilings, measured where the engine runs (all threads of the engine's pool): the
 * peak rate of fused multiply-adds and the memory bandwidth of a streaming read. Benchmarks report
 * their speed as fractions of these.
 */
public final class RooflineProbe {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private RooflineProbe() {
    }

    /** GFLOP/s of independent FMA chains (2 flops per lane per FMA), all threads. */
    public static double fmaPeakGflops(double seconds) {
        int threads = Parallel.threads();
        long iters = 200_000; // short calls, repeated: the JIT compiles the loop within the first few
        double best = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            float[] sink = new float[threads];
            Parallel.forRange(threads, 1, (from, to) -> {
                for (int th = from; th < to; th++) sink[th] = fmaLoop(iters);
            });
            double dt = (System.nanoTime() - t0) / 1e9;
            double flops = 2.0 * S.length() * 12 * iters * threads;
            best = Math.max(best, flops / dt / 1e9);
        }
        return best;
    }

    private static float fmaLoop(long iters) {
        // 12 independent accumulators hide the FMA latency (4 cycles × 2 ports + slack)
        FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
                a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        FloatVector x = FloatVector.broadcast(S, 0.999999f), y = FloatVector.broadcast(S, 1e-7f);
        for (long i = 0; i < iters; i++) {
            a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y);
            a4 = a4.fma(x, y); a5 = a5.fma(x, y); a6 = a6.fma(x, y); a7 = a7.fma(x, y);
            a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .lane(0);
    }

    /** GB/s of reading {@code bytes} of native memory once per pass, all threads. */
    public static double readBandwidthGBs(long bytes, double seconds) {
        MemorySegment seg = Arena.ofAuto().allocate(bytes, 64);
        seg.fill((byte) 1);
        return readBandwidthGBs(java.util.List.of(seg), seconds);
    }

    /**
     * GB/s of reading the given segments (e.g. a model's weights, wherever they lie in memory) once
     * per pass, all threads, each segment split in 4 MB pieces.
     */
    public static double readBandwidthGBs(java.util.List<MemorySegment> segments, double seconds) {
        long piece = 4L << 20;
        java.util.List<long[]> work = new java.util.ArrayList<>(); // {segment index, offset, length}
        long total = 0;
        for (int i = 0; i < segments.size(); i++) {
            long size = segments.get(i).byteSize() / 64 * 64;
            for (long off = 0; off < size; off += piece) work.add(new long[]{i, off, Math.min(piece, size - off)});
            total += size;
        }
        double best = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        float[] sink = new float[work.size()];
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            Parallel.forRange(work.size(), 1, (from, to) -> {
                for (int w = from; w < to; w++) {
                    long[] job = work.get(w);
                    sink[w] = sum(segments.get((int) job[0]), job[1], job[2]);
                }
            });
            best = Math.max(best, total / ((System.nanoTime() - t0) / 1e9) / 1e9);
        }
        return best;
    }

    private static float sum(MemorySegment seg, long off, long len) {
        // an int induction variable and addresses of the form invariant + 4·p: C2 then hoists the
        // segment's bounds checks, as in the engine's kernels (a long loop variable kept them)
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int floats = (int) (len / 4), l = S.length();
        for (int p = 0; p <= floats - 4 * l; p += 4 * l) {
            acc0 = acc0.add(FloatVector.fromMemorySegment(S, seg, off + 4L * p, ByteOrder.LITTLE_ENDIAN));
            acc1 = acc1.add(FloatVector.fromMemorySegment(S, seg, off + 4L * (p + l), ByteOrder.LITTLE_ENDIAN));
            acc2 = acc2.add(FloatVector.fromMemorySegment(S, seg, off + 4L * (p + 2 * l), ByteOrder.LITTLE_ENDIAN));
            acc3 = acc3.add(FloatVector.fromMemorySegment(S, seg, off + 4L * (p + 3 * l), ByteOrder.LITTLE_ENDIAN));
        }
        return Lanes.sum(acc0.add(acc1).add(acc2.add(acc3)));
    }
}
