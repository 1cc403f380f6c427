package org.idefics4j.model;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.StoredTensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The weight dtype is chosen at load; progress is reported for every tensor. */
class LoadOptionsTest {
    @Test
    void bf16CheckpointWidenedToF32GivesTheSameNumbers() {
        Fixture f = new Fixture("bf16_sharded_legacy_keys");
        IdeficsForVisionText2Text asStored = IdeficsForVisionText2Text.fromPretrained(f.modelDir());
        List<Long> progress = new ArrayList<>();
        IdeficsForVisionText2Text widened = IdeficsForVisionText2Text.fromPretrained(f.modelDir(),
                new LoadOptions(DType.F32, (name, done, total) -> {
                    progress.add(done);
                    assertTrue(done <= total);
                }));
        assertEquals(DType.BF16, asStored.stateDict().get("model.layers.0.mlp.up_proj.weight").dtype());
        assertEquals(DType.F32, widened.stateDict().get("model.layers.0.mlp.up_proj.weight").dtype());
        assertEquals(widened.stateDict().size(), progress.size(), "one report per tensor");
        IdeficsInputs in = ForwardGoldenTest.promptInputs(f);
        assertArrayEquals(asStored.forward(in).logits().data(), widened.forward(in).logits().data(), 1e-5f,
                "BF16 decodes exactly, so F32 copies give the same logits up to summation order");
    }

    @Test
    void f32CheckpointNarrowedToBf16StaysClose() {
        Fixture f = new Fixture("tiny_default");
        IdeficsForVisionText2Text m = IdeficsForVisionText2Text.fromPretrained(f.modelDir(), new LoadOptions(DType.BF16, null));
        for (StoredTensor t : m.stateDict().values()) {
            assertEquals(t.rank() >= 2 ? DType.BF16 : DType.F32, t.dtype(), t.name());
        }
        int[][] mask = f.ints2("attention_mask");
        double diff = Fixture.maxDiffValidRows(m.forward(ForwardGoldenTest.promptInputs(f)).logits(), f.exp("forward.logits"), mask);
        // bf16 keeps 8 bits of mantissa: logits of magnitude ~10 move by a few 1e-2 (case.json:
        // checkpoint.effect_of_storage_rounding reports ~7e-2 for the bf16 case)
        assertTrue(diff > 1e-4 && diff < 0.3, "bf16 weights change the logits a little: " + diff);
    }
}
