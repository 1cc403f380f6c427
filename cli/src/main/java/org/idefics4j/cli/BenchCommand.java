package org.idefics4j.cli;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.Parallel;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.kernels.RooflineProbe;
import org.idefics4j.model.IdeficsCache;
import org.idefics4j.model.IdeficsConfig;
import org.idefics4j.model.IdeficsForVisionText2Text;
import org.idefics4j.model.IdeficsInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code idefics4j bench}: the workloads of the benchmark configuration on random weights, reported
 * next to this machine's ceilings measured in the same run (FMA peak, our GEMM, read bandwidth).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark a model configuration on random weights: vision-1, vision-4, prefill, decode.",
                "Prints seconds, tokens/s, GFLOP/s and weight GB/s next to the GEMM peak and memory bandwidth "
                        + "measured in the same run."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "A config.json (e.g. shared/bench/idefics-bench-config.json).")
    Path config;

    @Option(names = "--dtype", defaultValue = "f32", description = "Weight storage: f32 or bf16 (default ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--workloads", split = ",", defaultValue = "vision-1,vision-4,prefill,decode",
            description = "Which workloads (default ${DEFAULT-VALUE}).")
    List<String> workloads;

    @Option(names = "--prompt-tokens", defaultValue = "256", description = "Prefill length (default ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--decode-tokens", defaultValue = "64", description = "Tokens decoded (default ${DEFAULT-VALUE}).")
    int decodeTokens;

    @Option(names = "--images", defaultValue = "2", description = "Images in the prefill prompt (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--repeat", defaultValue = "5", description = "Timed runs per workload after two warm-ups; the best is reported.")
    int repeat;

    @Override
    public Integer call() {
        DType d = switch (dtype.toLowerCase()) {
            case "f32", "float32" -> DType.F32;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new IllegalArgumentException("--dtype must be f32 or bf16, got '" + dtype + "'");
        };
        for (String w : workloads) {
            if (!List.of("vision-1", "vision-4", "prefill", "decode", "train-step").contains(w)) {
                throw new IllegalArgumentException("unknown workload '" + w + "' (vision-1, vision-4, prefill, decode, train-step)");
            }
        }
        IdeficsConfig c = IdeficsConfig.fromPretrained(config);
        System.out.printf("threads %d, weights %s, config %s%n", Parallel.threads(), d, config);

        // ---- this machine's ceilings, measured now
        double fma = RooflineProbe.fmaPeakGflops(1.5);
        double gemm = gemmGflops(2048);
        double bw = RooflineProbe.readBandwidthGBs(1L << 30, 2.0);
        System.out.printf("ceilings: FMA peak %.1f GFLOP/s, our GEMM 2048^3 %.1f GFLOP/s, read bandwidth %.1f GB/s%n%n",
                fma, gemm, bw);

        long t0 = System.nanoTime();
        IdeficsForVisionText2Text m = IdeficsForVisionText2Text.fromConfig(c, d, 1234);
        System.out.printf("random weights: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        System.out.printf("%-10s %10s %12s %12s %8s %12s %8s%n", "workload", "seconds", "tokens/s", "GFLOP/s", "%GEMM",
                "weight GB/s", "%bw");
        for (String w : workloads) {
            switch (w) {
                case "vision-1", "vision-4" -> {
                    int n = w.equals("vision-1") ? 1 : 4;
                    Tensor px = random(new int[]{1, n, c.visionConfig.numChannels, c.visionConfig.imageSize,
                            c.visionConfig.imageSize}, 1);
                    double s = best(() -> m.forward(prompt(c, 8, n, px)));
                    double flops = Flops.vision(c) * n + Flops.text(c, 8, n, true);
                    row(w, s, Double.NaN, flops / s / 1e9, gemm, Double.NaN, bw);
                }
                case "prefill" -> {
                    Tensor px = random(new int[]{1, images, 3, c.visionConfig.imageSize, c.visionConfig.imageSize}, 2);
                    double s = best(() -> m.forward(prompt(c, promptTokens, images, px)));
                    double flops = Flops.vision(c) * images + Flops.text(c, promptTokens, images, true);
                    row(w, s, promptTokens / s, flops / s / 1e9, gemm, Double.NaN, bw);
                }
                case "decode" -> {
                    Tensor px = random(new int[]{1, images, 3, c.visionConfig.imageSize, c.visionConfig.imageSize}, 3);
                    IdeficsInputs p = prompt(c, promptTokens, images, px).useCache(true).lastLogitsOnly(true);
                    decode(m, p, decodeTokens); // warm-up
                    double s = Double.MAX_VALUE;
                    for (int i = 0; i < repeat; i++) s = Math.min(s, decode(m, p, decodeTokens));
                    double perToken = Flops.decodeWeightBytes(m);
                    // the ceiling for decoding: a plain read of exactly the weights it reads, where they lie
                    double weightsRead = RooflineProbe.readBandwidthGBs(Flops.decodeWeights(m), 2.0);
                    row(w, s, decodeTokens / s, Double.NaN, gemm, perToken * decodeTokens / s / 1e9, weightsRead);
                    System.out.printf("%-10s plain read of the same weights: %.1f GB/s (the %%bw of decode)%n", "", weightsRead);
                }
                default -> System.out.printf("%-10s not available yet: training arrives with fine-tuning%n", w);
            }
        }
        System.out.println("\nReference (PyTorch, this machine, 2 threads, F32): vision-1 ≈ 1.0 s, prefill ≈ 3.0 s, decode ≈ 5.6 tokens/s.");
        return 0;
    }

    private void row(String w, double s, double tps, double gflops, double gemm, double gbs, double bw) {
        System.out.printf("%-10s %10.3f %12s %12s %8s %12s %8s%n", w, s, fmt(tps, "%.1f"), fmt(gflops, "%.1f"),
                fmt(gflops / gemm * 100, "%.0f%%"), fmt(gbs, "%.1f"), fmt(gbs / bw * 100, "%.0f%%"));
    }

    private static String fmt(double v, String f) {
        return Double.isNaN(v) ? "-" : String.format(f, v);
    }

    /** Best wall time of {@code repeat} runs after two warm-ups (the JIT compiles the kernels). */
    private double best(Runnable r) {
        r.run();
        r.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < repeat; i++) {
            long t = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        return best;
    }

    /** Prefill (untimed), then {@code tokens} greedy steps as the generator runs them; returns the seconds of the steps. */
    private static double decode(IdeficsForVisionText2Text m, IdeficsInputs prompt, int tokens) {
        var out = m.forward(prompt);
        IdeficsCache cache = out.pastKeyValues();
        int t = prompt.inputIds[0].length;
        int[][] ids = new int[1][1], pos = new int[1][1];
        IdeficsInputs step = new IdeficsInputs().inputIds(ids).attentionMask(new int[][]{{1}}).positionIds(pos)
                .imageAttentionMask(new int[][][]{{prompt.imageAttentionMask[0][t - 1]}}).pastKeyValues(cache)
                .useCache(true).lastLogitsOnly(true).reuseBuffers(true);
        long start = System.nanoTime();
        for (int i = 0; i < tokens; i++) {
            float[] logits = out.logits().data();
            int best = 0;
            for (int k = 1; k < logits.length; k++) if (logits[k] > logits[best]) best = k;
            ids[0][0] = best;
            pos[0][0] = t + i;
            out = m.forward(step);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** A prompt as the processor builds it: {@code <s>}, the images, then text; tokens see the last image. */
    static IdeficsInputs prompt(IdeficsConfig c, int tokens, int images, Tensor pixels) {
        int fake = c.vocabSize, image = c.vocabSize + 1; // the additional tokens of the released models
        if (c.additionalVocabSize < 2) {
            fake = c.vocabSize - 2;
            image = c.vocabSize - 1;
        }
        int[] ids = new int[tokens];
        int[][] iam = new int[tokens][images];
        SplittableRandom rng = new SplittableRandom(5);
        ids[0] = c.bosTokenId;
        int pos = 1, seen = -1;
        for (int n = 0; n < images && pos + 2 < tokens; n++) {
            if (n == 0) ids[pos++] = fake;
            ids[pos++] = image;
            seen = n;
            iam[pos - 1][n] = 1;
            ids[pos++] = fake;
            iam[pos - 1][n] = 1;
        }
        for (; pos < tokens; pos++) {
            ids[pos] = 3 + rng.nextInt(c.vocabSize - 3);
            if (seen >= 0) iam[pos][seen] = 1;
        }
        return new IdeficsInputs().inputIds(new int[][]{ids}).pixelValues(pixels).imageAttentionMask(new int[][][]{iam});
    }

    private static Tensor random(int[] shape, long seed) {
        Tensor t = Tensor.zeros(shape);
        SplittableRandom r = new SplittableRandom(seed);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
        return t;
    }

    /** GFLOP/s of our matmul on an n×n by n×n product (the engine's own GEMM ceiling). */
    private static double gemmGflops(int n) {
        Tensor a = random(new int[]{n, n}, 9);
        StoredTensor w = StoredTensor.ofFloats("w", random(new int[]{n, n}, 10));
        Kernels.matmul(a, w);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t = System.nanoTime();
            Kernels.matmul(a, w);
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        return 2.0 * n * n * n / best / 1e9;
    }
}
