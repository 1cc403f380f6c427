package org.idefics4j.bench;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.kernels.Gemm;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Decode-time Linear: {@code x[m,K]·Wᵀ} with m = 1 (and a few rows) against an [N,K] weight in
 * native memory, larger than the L3, so that it measures streaming. The {@code gbyte} counter reads
 * as GB/s of weights read; compare with {@link BaselineBench#memoryRead}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatVecBench {
    @Param({"F32", "BF16"})
    public String dtype;
    /** N x K. */
    @Param({"4096x4096", "11008x4096"})
    public String shape;
    @Param({"1"})
    public int m;

    int n, k;
    float[] x, out;
    StoredTensor w;

    @Setup
    public void setup() {
        String[] s = shape.split("x");
        n = Integer.parseInt(s[0]);
        k = Integer.parseInt(s[1]);
        DType dt = DType.valueOf(dtype);
        SplittableRandom rnd = new SplittableRandom(7);
        ByteBuffer bb = ByteBuffer.allocate(n * k * dt.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < (long) n * k; i++) {
            float f = (float) rnd.nextDouble(-1, 1);
            switch (dt) {
                case F32 -> bb.putFloat(f);
                case BF16 -> bb.putShort((short) (Float.floatToIntBits(f) >>> 16));
                case F16 -> bb.putShort(Float.floatToFloat16(f));
                default -> throw new IllegalArgumentException(dtype);
            }
        }
        w = StoredTensor.ofBytes("w", dt, new int[]{n, k}, bb.array());
        x = new float[m * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        out = new float[m * n];
    }

    @Benchmark
    public float[] matvec(Counters c) {
        Gemm.matmulTransB(x, m, k, w, out);
        c.gbyte += (double) n * k * w.dtype().bytes() / 1e9;
        c.gflop += 2.0 * m * n * k / 1e9;
        return out;
    }
}
