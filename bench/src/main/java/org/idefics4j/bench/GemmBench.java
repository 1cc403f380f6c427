package org.idefics4j.bench;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
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
 * Square float32 GEMM, n³: {@code x[n,n]·Wᵀ} with an F32 weight in native memory (the Linear-layer
 * entry, all cores), and the single-threaded float-array {@code gemm} for a per-core figure.
 * The {@code gflop} counter reads as GFLOP/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBench {
    @Param({"1024", "2048"})
    public int n;

    float[] x, b, out;
    StoredTensor w;

    @Setup
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(42);
        x = new float[n * n];
        b = new float[n * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble(-1, 1);
            b[i] = (float) rnd.nextDouble(-1, 1);
        }
        w = StoredTensor.ofFloats("w", Tensor.of(b.clone(), n, n));
        if (w.dtype() != DType.F32) throw new IllegalStateException();
        out = new float[n * n];
    }

    /** All cores: the path every Linear layer with many tokens takes. */
    @Benchmark
    public float[] matmulTransB(Counters c) {
        Gemm.matmulTransB(x, n, n, w, out);
        c.gflop += 2.0 * n * n * n / 1e9;
        return out;
    }

    /** One core: C = A·B on float arrays (attention / backward building block). */
    @Benchmark
    public float[] gemmSingleThread(Counters c) {
        Gemm.gemm(false, false, n, n, n, 1f, x, 0, n, b, 0, n, 0f, out, 0, n);
        c.gflop += 2.0 * n * n * n / 1e9;
        return out;
    }
}
