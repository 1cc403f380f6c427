package org.idefics4j.model;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.StoredTensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parameters our model asks a checkpoint for, for the real idefics-9b-instruct config: the same
 * count and the same number of state-dict keys as transformers builds (shared/bench README: HF's
 * classes on the meta device give 8,929,683,472 parameters in 975 keys). Large matrices get an
 * unbacked segment (never read while building), so the 9B model is not allocated.
 */
class ParameterInventoryTest {
    @Test
    void idefics9bInstructHasTransformersStateDict() throws URISyntaxException {
        Path config = Path.of(getClass().getResource("/configs/idefics-9b-config.json").toURI());
        IdeficsConfig c = IdeficsConfig.fromPretrained(config);
        WeightLoader w = WeightLoader.initializing((name, shape) -> {
            long n = StoredTensor.numel(shape);
            MemorySegment seg = n < (1 << 20) ? Arena.ofAuto().allocate(n * 2, 64) : MemorySegment.NULL.reinterpret(n * 2);
            return new StoredTensor(name, DType.BF16, shape, seg, "inventory");
        });
        new IdeficsForVisionText2Text(w, c);
        long params = 0;
        for (StoredTensor t : w.used().values()) params += t.numel();
        assertEquals(8_929_683_472L, params, "parameters");
        assertEquals(975, w.used().size(), "state-dict keys");
        assertTrue(w.used().containsKey("model.perceiver_resampler.blocks.5.1.c_proj.weight"));
        assertTrue(w.used().containsKey("model.gated_cross_attn_layers.7.alpha_dense"));
        assertTrue(w.used().containsKey("lm_head.additional_fc.weight"));
    }
}
