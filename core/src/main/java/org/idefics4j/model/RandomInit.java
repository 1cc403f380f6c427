package org.idefics4j.model;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.Parallel;
import org.idefics4j.engine.StoredTensor;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * Initial values for a model built from a config alone (benchmarks, training from scratch), close to
 * transformers' {@code _init_weights}: matrices and embeddings N(0, initializer_range), norms 1,
 * biases 0, gates by {@code alpha_initializer}, latents and class embedding N(0, 1).
 */
final class RandomInit implements WeightLoader.Initializer {
    private final IdeficsConfig config;
    private final DType dtype;
    private final long seed;

    RandomInit(IdeficsConfig config, DType dtype, long seed) {
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("weights can be F32, BF16 or F16, not " + dtype);
        }
        this.config = config;
        this.dtype = dtype;
        this.seed = seed;
    }

    @Override
    public StoredTensor create(String name, int[] shape) {
        long n = StoredTensor.numel(shape);
        StoredTensor t = new StoredTensor(name, dtype, shape, Arena.ofAuto().allocate(n * dtype.bytes(), 64), "initialised");
        double std;
        double constant = Double.NaN;
        String leaf = name.substring(name.lastIndexOf('.') + 1);
        if (name.endsWith(".bias")) constant = 0;
        else if (name.contains("norm") && leaf.equals("weight") || name.endsWith(".ln.weight")) constant = 1;
        if (name.endsWith("alpha_cross_attn") || name.endsWith("alpha_dense")) {
            switch (config.alphaInitializer) {
                case "zeros" -> constant = 0;
                case "ones" -> constant = 1;
                default -> { }
            }
            std = config.alphasInitializerRange;
        } else if (name.endsWith("latents") || name.endsWith("class_embedding")) {
            std = 1.0;
        } else {
            std = config.initializerRange;
        }
        final double c = constant, s = std;
        long chunk = 1 << 16;
        int chunks = (int) ((n + chunk - 1) / chunk);
        long base = seed ^ name.hashCode() * 0x9E3779B97F4A7C15L;
        Parallel.forRange(chunks, 1, (from, to) -> {
            for (int k = from; k < to; k++) {
                SplittableRandom rng = new SplittableRandom(base + k);
                long end = Math.min(n, (k + 1) * chunk);
                for (long i = k * chunk; i < end; i++) {
                    t.setFloat(i, (float) (Double.isNaN(c) ? rng.nextGaussian() * s : c));
                }
            }
        });
        return t;
    }
}
