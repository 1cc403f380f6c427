package org.idefics4j.model;

import org.idefics4j.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.Arrays;

import static org.idefics4j.model.Fixture.assertClose;
import static org.idefics4j.model.Fixture.maxDiff;
import static org.idefics4j.model.Fixture.maxDiffValidRows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The other ways of calling forward, each against the reference: KV-cache steps, precomputed image
 * embeddings, other image sizes, a text-only batch. Tolerances as in {@link ForwardGoldenTest};
 * incremental steps vs our own full forward within 1e-5 (fixtures README).
 */
class ForwardVariantsGoldenTest {
    static final String[] CASES = Fixture.MODEL_CASES;

    private static IdeficsForVisionText2Text model(Fixture f) {
        return ForwardGoldenTest.model(f);
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void positionIdsFollowTheAttentionMask(String name) {
        Fixture f = new Fixture(name);
        int[][] mask = f.ints2("attention_mask");
        int[][] pos = IdeficsModel.positions(mask, mask[0].length, mask[0].length);
        assertArrayEquals(Fixture.ints2(f.expected.get("debug.position_ids")), pos);
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void kvCacheStepsMatchTheReferenceAndTheFullForward(String name) {
        Fixture f = new Fixture(name);
        IdeficsForVisionText2Text m = model(f);
        int[][] mask = f.ints2("attention_mask");
        int t = mask[0].length, b = mask.length, heads = m.config().numAttentionHeads;
        IdeficsCausalLMOutput prefix = m.forward(ForwardGoldenTest.promptInputs(f).useCache(true));
        assertClose(maxDiffValidRows(prefix.logits(), f.exp("forward.logits"), mask), 1e-4, "prefix logits");
        IdeficsCache cache = prefix.pastKeyValues();
        assertEquals(t, cache.length());
        for (int l = 0; l < m.config().numHiddenLayers; l++) {
            assertClose(maxDiffCacheValid(cache.keyTensor(l, heads), f.exp("incremental.prefix_past." + l + ".key"), mask), 1e-4,
                    "cached keys of layer " + l);
            assertClose(maxDiffCacheValid(cache.valueTensor(l, heads), f.exp("incremental.prefix_past." + l + ".value"), mask), 1e-4,
                    "cached values of layer " + l);
        }
        int[][] fullIds = f.ints2("incremental.input_ids");
        int[][] fullMask = f.ints2("incremental.attention_mask");
        int[][][] fullImageMask = f.ints3("incremental.image_attention_mask");
        int[][] newTokens = f.ints2("incremental.new_tokens");
        IdeficsCausalLMOutput full = m.forward(new IdeficsInputs().inputIds(fullIds).attentionMask(fullMask)
                .pixelValues(f.in("pixel_values")).imageAttentionMask(fullImageMask));
        assertClose(maxDiffValidRows(full.logits(), f.exp("incremental.full_logits"), fullMask), 1e-4, "full logits");
        for (int k = 0; k < newTokens[0].length; k++) {
            int[][] ids = new int[b][1];
            int[][] am = new int[b][];
            int[][][] im = new int[b][1][];
            for (int i = 0; i < b; i++) {
                ids[i][0] = newTokens[i][k];
                am[i] = Arrays.copyOf(fullMask[i], t + k + 1);
                im[i][0] = fullImageMask[i][t + k];
            }
            IdeficsCausalLMOutput step = m.forward(new IdeficsInputs().inputIds(ids).attentionMask(am)
                    .positionIds(f.ints2("incremental.step" + k + ".position_ids")).imageAttentionMask(im)
                    .pastKeyValues(cache).useCache(true));
            assertClose(maxDiff(step.logits(), f.exp("incremental.step" + k + ".logits")), 1e-4, "step " + k + " logits");
            Tensor fullRow = Tensor.zeros(b, 1, step.logits().dim(2));
            int v = step.logits().dim(2);
            for (int i = 0; i < b; i++) {
                System.arraycopy(full.logits().data(), (i * (t + 3) + t + k) * v, fullRow.data(), i * v, v);
            }
            assertClose(maxDiff(step.logits(), fullRow), 1e-5, "step " + k + " vs own full forward");
        }
        assertEquals(t + 3, cache.length());
    }

    /** Cached [B, heads, P, hd] compared at positions whose attention mask is 1. */
    private static double maxDiffCacheValid(Tensor actual, Tensor expected, int[][] mask) {
        assertArrayEquals(expected.shape(), actual.shape());
        int b = actual.dim(0), h = actual.dim(1), p = actual.dim(2), hd = actual.dim(3);
        double max = 0;
        for (int i = 0; i < b; i++)
            for (int j = 0; j < h; j++)
                for (int q = 0; q < p; q++) {
                    if (mask[i][q] == 0) continue;
                    for (int d = 0; d < hd; d++) {
                        int idx = ((i * h + j) * p + q) * hd + d;
                        max = Math.max(max, Math.abs(actual.data()[idx] - expected.data()[idx]));
                    }
                }
        return max;
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void precomputedImageEmbeddingsGiveTheSameLogits(String name) {
        Fixture f = new Fixture(name);
        IdeficsForVisionText2Text m = model(f);
        int[][] mask = f.ints2("attention_mask");
        IdeficsInputs in = ForwardGoldenTest.promptInputs(f).pixelValues(null)
                .imageEncoderEmbeddings(f.in("alt.image_encoder_embeddings"));
        assertClose(maxDiffValidRows(m.forward(in).logits(), f.exp("alt.image_encoder_embeddings.logits"), mask), 1e-4,
                "logits from image_encoder_embeddings");
        if (f.hasIn("alt.perceiver_embeddings")) {
            IdeficsInputs p = ForwardGoldenTest.promptInputs(f).pixelValues(null)
                    .perceiverEmbeddings(f.in("alt.perceiver_embeddings"));
            assertClose(maxDiffValidRows(m.forward(p).logits(), f.exp("alt.perceiver_embeddings.logits"), mask), 1e-4,
                    "logits from perceiver_embeddings");
        } else if (!m.config().useResampler) {
            IdeficsInputs p = ForwardGoldenTest.promptInputs(f).pixelValues(null)
                    .perceiverEmbeddings(f.in("alt.image_encoder_embeddings"));
            assertThrows(IllegalArgumentException.class, () -> m.forward(p), "perceiver_embeddings need a resampler");
        }
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void interpolatedPositionsForOtherImageSizes(String name) {
        Fixture f = new Fixture(name);
        IdeficsForVisionText2Text m = model(f);
        int[][] mask = f.ints2("attention_mask");
        Tensor px = f.in("interp.pixel_values");
        IdeficsInputs in = ForwardGoldenTest.promptInputs(f).pixelValues(px);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.forward(in));
        assertTrue(e.getMessage().contains("interpolate_pos_encoding"), e.getMessage());

        IdeficsCausalLMOutput out = m.forward(in.interpolatePosEncoding(true));
        assertClose(maxDiffValidRows(out.logits(), f.exp("interp.logits"), mask), 1e-4, "interp logits");
        if (f.expected.contains("interp.image_hidden_states")) {
            assertClose(maxDiff(out.imageHiddenStates(), f.exp("interp.image_hidden_states")), 1e-4, "interp image states");
        }
        IdeficsVisionTransformer v = m.model().visionModel;
        int p = v.config.patchSize;
        Tensor table = PositionInterpolation.interpolate(v.positionEmbedding, px.dim(3) / p, px.dim(4) / p,
                px.dim(3) == px.dim(4), p, px.dim(3), px.dim(4));
        assertClose(maxDiff(table.reshape(1, -1, table.dim(1)), f.exp("interp.position_embedding")), 1e-4,
                "interpolated position table");
    }

    @Test
    void textOnlyBatch() {
        Fixture f = new Fixture("tiny_default");
        int[][] mask = f.ints2("text_only.attention_mask");
        IdeficsCausalLMOutput out = model(f).forward(new IdeficsInputs().inputIds(f.ints2("text_only.input_ids"))
                .attentionMask(mask).pixelValues(f.in("text_only.pixel_values"))
                .imageAttentionMask(f.ints3("text_only.image_attention_mask")));
        assertClose(maxDiffValidRows(out.logits(), f.exp("text_only.logits"), mask), 1e-4, "text-only logits");
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void tokensThatSeeNoImageIgnoreTheImages(String name) {
        Fixture f = new Fixture(name);
        IdeficsForVisionText2Text m = model(f);
        int[][] mask = f.ints2("attention_mask");
        int[][][] imageMask = f.ints3("image_attention_mask");
        Tensor px = f.in("pixel_values");
        Tensor other = px.copy();
        float[] d = other.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) Math.sin(i * 0.37) * 2f; // different images
        Tensor a = m.forward(ForwardGoldenTest.promptInputs(f)).logits();
        Tensor b = m.forward(ForwardGoldenTest.promptInputs(f).pixelValues(other)).logits();
        int rows = a.dim(0), t = a.dim(1), v = a.dim(2);
        int blind = 0, seeing = 0;
        double changeSeeing = 0;
        for (int i = 0; i < rows; i++) {
            boolean seenImage = false;
            for (int j = 0; j < t; j++) {
                if (mask[i][j] == 0) continue;
                seenImage |= IdeficsCrossAttention.anyImage(imageMask[i][j]);
                double diff = 0;
                for (int k = 0; k < v; k++) diff = Math.max(diff, Math.abs(a.data()[(i * t + j) * v + k] - b.data()[(i * t + j) * v + k]));
                if (!seenImage) {
                    assertEquals(0.0, diff, "row " + i + " token " + j + " is before the first image: logits must not move");
                    blind++;
                } else if (IdeficsCrossAttention.anyImage(imageMask[i][j])) {
                    changeSeeing = Math.max(changeSeeing, diff);
                    seeing++;
                }
            }
        }
        assertTrue(blind > 0 && seeing > 0, "the case has tokens before and after images");
        assertTrue(changeSeeing > 1e-3, "tokens that see an image change with it (max change " + changeSeeing + ")");
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void inputsEmbedsInsteadOfInputIds(String name) {
        Fixture f = new Fixture(name);
        IdeficsForVisionText2Text m = model(f);
        int[][] mask = f.ints2("attention_mask");
        Tensor embeds = m.model().embedTokens.forward(f.ints2("input_ids"));
        IdeficsInputs in = ForwardGoldenTest.promptInputs(f).inputIds(null).inputsEmbeds(embeds);
        assertClose(maxDiffValidRows(m.forward(in).logits(), f.exp("forward.logits"), mask), 1e-4, "logits from inputs_embeds");
        IdeficsInputs both = ForwardGoldenTest.promptInputs(f).inputsEmbeds(embeds);
        assertThrows(IllegalArgumentException.class, () -> m.forward(both), "input_ids and inputs_embeds together");
    }
}
