package org.idefics4j.model;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A decoded token allocates no tensors: with reused buffers, what a step allocates on the calling
 * thread (task closures, result records) does not grow with the model's width or vocabulary.
 */
class DecodeAllocationTest {
    private static double bytesPerStep(int hidden, int vocab) {
        IdeficsConfig c = IdeficsConfig.fromJson("""
                {"vocab_size": %d, "hidden_size": %d, "intermediate_size": %d, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "vision_config": {"embed_dim": 32, "image_size": 28, "patch_size": 14,
                 "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64}}""".formatted(vocab, hidden, 3 * hidden),
                "test");
        IdeficsForVisionText2Text m = IdeficsForVisionText2Text.fromConfig(c, DType.F32, 1);
        int t = 8;
        int[] ids = new int[t];
        for (int i = 0; i < t; i++) ids[i] = 3 + i;
        int[][][] iam = new int[1][t][1];
        for (int i = 1; i < t; i++) iam[0][i][0] = 1;
        IdeficsCausalLMOutput out = m.forward(new IdeficsInputs().inputIds(new int[][]{ids})
                .pixelValues(Tensor.zeros(1, 1, 3, 28, 28)).imageAttentionMask(iam).useCache(true).lastLogitsOnly(true));
        int[][] pos = {{0}};
        IdeficsInputs step = new IdeficsInputs().inputIds(new int[][]{{5}}).attentionMask(new int[][]{{1}}).positionIds(pos)
                .imageAttentionMask(new int[][][]{{iam[0][t - 1]}}).pastKeyValues(out.pastKeyValues()).useCache(true)
                .lastLogitsOnly(true).reuseBuffers(true);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId();
        // steady state: the fewest bytes of ten windows of 50 steps after warm-up (a window can
        // catch the JIT recompiling a kernel, or the cache doubling its capacity)
        double best = Double.MAX_VALUE;
        int s = 0;
        for (; s < 500; s++) {
            pos[0][0] = t + s;
            m.forward(step);
        }
        for (int w = 0; w < 10; w++) {
            long before = mx.getThreadAllocatedBytes(me);
            for (int i = 0; i < 50; i++, s++) {
                pos[0][0] = t + s;
                m.forward(step);
            }
            best = Math.min(best, (mx.getThreadAllocatedBytes(me) - before) / 50.0);
        }
        return best;
    }

    @Test
    void stepAllocationDoesNotGrowWithTheModel() {
        bytesPerStep(64, 1000); // the first model warms the JIT up (kernels start interpreted, with boxed vectors)
        double small = bytesPerStep(64, 1000), large = bytesPerStep(256, 8000);
        // allocating the large model's tensors would cost ~100 KB a step (32 KB of logits alone, about
        // 60 KB of activations); what remains are small objects (measured ~2.3 KB, up to ~30 KB while
        // the JIT still recompiles a kernel), the same for both models
        assertTrue(large < 64_000, "a step allocates " + large + " bytes");
        assertTrue(large - small < 16_000, "allocation grows with the model: " + small + " → " + large + " bytes per step");
    }
}
