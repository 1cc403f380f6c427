package org.idefics4j.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The same request gives the same bits every time: the first calls run interpreted, later ones
 * JIT-compiled, and the kernels must not change results between the two (or between runs).
 */
class DeterminismTest {
    @Test
    void repeatedForwardsAreBitIdentical() {
        Fixture f = new Fixture("resampler_qknorm_vector_interval2_addvocab");
        IdeficsForVisionText2Text m = IdeficsForVisionText2Text.fromPretrained(f.modelDir());
        IdeficsInputs in = ForwardGoldenTest.promptInputs(f);
        float[] first = m.forward(in).logits().data();
        IdeficsInputs one = new IdeficsInputs().inputIds(new int[][]{in.inputIds[0]}).attentionMask(new int[][]{in.attentionMask[0]})
                .pixelValues(in.pixelValues.slice0(0, 1)).imageAttentionMask(new int[][][]{in.imageAttentionMask[0]});
        float[] firstOne = m.forward(one).logits().data();
        for (int i = 0; i < 150; i++) {
            assertArrayEquals(first, m.forward(in).logits().data(), "batch forward changed at call " + i);
            assertArrayEquals(firstOne, m.forward(one).logits().data(), "single-row forward changed at call " + i);
        }
    }

    @Test
    void oneModelServesManyThreadsWithTheSameResults() throws Exception {
        // requests from several threads share the model (weights, kernels, thread pool) and must
        // give exactly what they give alone
        Fixture f = new Fixture("tiny_default");
        IdeficsForVisionText2Text m = IdeficsForVisionText2Text.fromPretrained(f.modelDir());
        org.idefics4j.generation.GenerationConfig c = new org.idefics4j.generation.GenerationConfig();
        c.maxNewTokens = 6;
        c.eosTokenId = java.util.List.of(39);
        c.padTokenId = 0;
        IdeficsInputs in = ForwardGoldenTest.promptInputs(f);
        int[][] alone = new org.idefics4j.generation.Generator(m).generate(in, c, null).sequences();
        float[] aloneLogits = m.forward(in).logits().data();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<?>>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    for (int rep = 0; rep < 5; rep++) {
                        assertArrayEquals(alone, new org.idefics4j.generation.Generator(m).generate(in, c, null).sequences());
                        assertArrayEquals(aloneLogits, m.forward(in).logits().data());
                    }
                    return null;
                }));
            }
            for (var fu : futures) fu.get();
        } finally {
            pool.shutdownNow();
        }
    }
}
