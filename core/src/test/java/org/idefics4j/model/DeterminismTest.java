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
}
