package org.idefics4j.bench;

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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The single-threaded float-array {@code gemm} on one attention head, laid out as
 * {@code Kernels.attention} does it (q, k, v rows interleaved across heads: leading dim = width):
 * scores = q·kᵀ (transB) and out = P·v. {@code tq = 1} is a decode step. GFLOP/s per core.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AttentionGemmBench {
    /** query tokens x key tokens. */
    @Param({"257x257", "1x1024", "1024x1024"})
    public String tokens;
    @Param({"64"})
    public int headDim;

    static final int HEADS = 16;
    int tq, tk, width;
    float[] q, kv, scores, out;

    @Setup
    public void setup() {
        String[] s = tokens.split("x");
        tq = Integer.parseInt(s[0]);
        tk = Integer.parseInt(s[1]);
        width = HEADS * headDim;
        SplittableRandom rnd = new SplittableRandom(3);
        q = new float[tq * width];
        kv = new float[tk * width];
        for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextDouble(-1, 1);
        for (int i = 0; i < kv.length; i++) kv[i] = (float) rnd.nextDouble(-1, 1);
        scores = new float[tq * tk];
        for (int i = 0; i < scores.length; i++) scores[i] = (float) rnd.nextDouble(0, 1.0 / tk);
        out = new float[tq * width];
    }

    @Benchmark
    public float[] qkT(Counters c) {
        Gemm.gemm(false, true, tq, tk, headDim, 0.125f, q, headDim, width, kv, headDim, width, 0f, scores, 0, tk);
        c.gflop += 2.0 * tq * tk * headDim / 1e9;
        return scores;
    }

    @Benchmark
    public float[] pv(Counters c) {
        Gemm.gemm(false, false, tq, headDim, tk, 1f, scores, 0, tk, kv, headDim, width, 0f, out, headDim, width);
        c.gflop += 2.0 * tq * tk * headDim / 1e9;
        return out;
    }
}
