package org.idefics4j.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.idefics4j.engine.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * What the machine can do, measured in the same run as the kernels so that they can be reported as
 * ratios: the FMA peak (GFLOP/s, all pool threads, independent FMA chains on registers only) and
 * the memory read bandwidth (GB/s, all pool threads summing a 512 MB native buffer with vector loads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BaselineBench {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final long BYTES = 512L << 20;
    static final int FMA_ITERS = 1 << 20;

    MemorySegment buffer;

    @Setup
    public void setup() {
        buffer = Arena.ofAuto().allocate(BYTES, 64);
        for (long i = 0; i < BYTES; i += 4) buffer.set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i, (i & 1020) * 1e-3f);
    }

    /** 12 independent accumulators: more than FMA latency × throughput, so the FMA units are the limit. */
    static float fmaChains(int iters, float seed) {
        FloatVector m = FloatVector.broadcast(F, 0.999999f), add = FloatVector.broadcast(F, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(F, seed), a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3);
        FloatVector a4 = a0.add(4), a5 = a0.add(5), a6 = a0.add(6), a7 = a0.add(7);
        FloatVector a8 = a0.add(8), a9 = a0.add(9), a10 = a0.add(10), a11 = a0.add(11);
        for (int i = 0; i < iters; i++) {
            a0 = a0.fma(m, add); a1 = a1.fma(m, add); a2 = a2.fma(m, add); a3 = a3.fma(m, add);
            a4 = a4.fma(m, add); a5 = a5.fma(m, add); a6 = a6.fma(m, add); a7 = a7.fma(m, add);
            a8 = a8.fma(m, add); a9 = a9.fma(m, add); a10 = a10.fma(m, add); a11 = a11.fma(m, add);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    @Benchmark
    public double fmaPeak(Counters c) {
        int t = Parallel.threads();
        DoubleAdder sink = new DoubleAdder();
        Parallel.forRange(t, 1, (from, to) -> {
            for (int i = from; i < to; i++) sink.add(fmaChains(FMA_ITERS, i));
        });
        c.gflop += (double) t * FMA_ITERS * 12 * L * 2 / 1e9;
        return sink.sum();
    }

    @Benchmark
    public double memoryRead(Counters c) {
        int chunks = 64;
        long per = BYTES / chunks;
        DoubleAdder sink = new DoubleAdder();
        Parallel.forRange(chunks, 1, (from, to) -> {
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
            for (long o = from * per, end = to * per; o < end; o += 4L * L * 4) {
                s0 = s0.add(FloatVector.fromMemorySegment(F, buffer, o, ByteOrder.LITTLE_ENDIAN));
                s1 = s1.add(FloatVector.fromMemorySegment(F, buffer, o + L * 4, ByteOrder.LITTLE_ENDIAN));
                s2 = s2.add(FloatVector.fromMemorySegment(F, buffer, o + 2L * L * 4, ByteOrder.LITTLE_ENDIAN));
                s3 = s3.add(FloatVector.fromMemorySegment(F, buffer, o + 3L * L * 4, ByteOrder.LITTLE_ENDIAN));
            }
            sink.add(s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD));
        });
        c.gbyte += BYTES / 1e9;
        return sink.sum();
    }
}
