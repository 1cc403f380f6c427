package org.idefics4j.model;

import org.idefics4j.engine.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.HashMap;
import java.util.Map;

import static org.idefics4j.model.Fixture.assertClose;
import static org.idefics4j.model.Fixture.maxDiff;
import static org.idefics4j.model.Fixture.maxDiffValidRows;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The forward pass against Hugging Face's float64 reference (fixtures README tolerances: 1e-4 on
 * logits and hidden states of rows with attention_mask = 1, 1e-5 on the loss; a float32 run of the
 * reference itself is within ~5e-6, so these leave room only for float32 rounding, not for bugs).
 */
class ForwardGoldenTest {
    static final String[] CASES = Fixture.MODEL_CASES;
    private static final Map<String, IdeficsForVisionText2Text> MODELS = new HashMap<>();

    static synchronized IdeficsForVisionText2Text model(Fixture f) {
        return MODELS.computeIfAbsent(f.name, n -> IdeficsForVisionText2Text.fromPretrained(f.modelDir()));
    }

    static IdeficsInputs promptInputs(Fixture f) {
        return new IdeficsInputs()
                .inputIds(f.ints2("input_ids"))
                .attentionMask(f.ints2("attention_mask"))
                .pixelValues(f.in("pixel_values"))
                .imageAttentionMask(f.ints3("image_attention_mask"));
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void logitsLossAndHiddenStatesMatchTheReference(String name) {
        Fixture f = new Fixture(name);
        IdeficsCausalLMOutput out = model(f).forward(promptInputs(f).labels(f.ints2("labels")).outputHiddenStates(true));
        int[][] mask = f.ints2("attention_mask");
        assertClose(maxDiffValidRows(out.logits(), f.exp("forward.logits"), mask), 1e-4, name + " logits");
        assertEquals(f.expected.get("forward.loss_f64").segment().get(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, 0),
                out.loss(), 1e-5, name + " loss");
        int layers = model(f).config().numHiddenLayers;
        assertEquals(layers + 1, out.hiddenStates().size());
        for (int i = 0; i <= layers; i++) {
            assertClose(maxDiffValidRows(out.hiddenStates().get(i), f.exp("forward.hidden_states." + i), mask), 1e-4,
                    name + " hidden_states." + i);
        }
        assertClose(maxDiffValidRows(out.lastHiddenState(), f.exp("forward.last_hidden_state"), mask), 1e-4, name + " last_hidden_state");
        assertClose(maxDiff(out.imageHiddenStates(), f.exp("forward.image_hidden_states")), 1e-4, name + " image_hidden_states");
    }
}
