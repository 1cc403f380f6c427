package org.idefics4j.processing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.idefics4j.engine.Tensor;
import org.idefics4j.processing.IdeficsProcessor.CallOptions;
import org.idefics4j.processing.image.IdeficsImageProcessor;
import org.idefics4j.processing.image.ImageLoader;
import org.idefics4j.processing.tokenizer.BatchOptions;
import org.idefics4j.processing.tokenizer.LlamaTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every case of {@code fixtures/processor/cases.json} (HF's processor run on the real tokenizers,
 * see that folder's README), compared exactly: texts, ids, masks, shapes, dtypes, and each pixel
 * slot against the image processor's own output for that image (null slots all zero). Where a case
 * has {@code derived_post_pr29449_differences} those values replace the v4.34 ones.
 */
class ProcessorGoldenTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/processor");
    static final Path TOKENIZERS = Path.of("src/test/resources/tokenizers");

    static JsonNode root;
    static final Map<String, IdeficsProcessor> PROCESSORS = new HashMap<>();
    static final Map<String, float[]> PIXELS = new HashMap<>();

    @BeforeAll
    static void load() throws Exception {
        root = new ObjectMapper().readTree(DIR.resolve("cases.json").toFile());
    }

    static IdeficsProcessor processor(String tokenizer) {
        // No EXIF rotation: HF/PIL ignore it (irrelevant for these PNGs, but the parity setting).
        return PROCESSORS.computeIfAbsent(tokenizer, t -> new IdeficsProcessor(LlamaTokenizer.from(TOKENIZERS.resolve(t)),
                new IdeficsImageProcessor().withImageLoader(ImageLoader.defaults().withExifOrientation(false))));
    }

    static float[] pixelsOf(String image) {
        return PIXELS.computeIfAbsent(image, i -> processor("idefics").imageProcessor().preprocessImage(DIR.resolve(i)).data());
    }

    /** The prompts of a case as processor items: text → String, image → Path of the fixture PNG. */
    static List<?> prompts(JsonNode c) {
        List<List<Object>> batch = new ArrayList<>();
        for (JsonNode p : c.get("prompts")) {
            List<Object> items = new ArrayList<>();
            for (JsonNode it : p) items.add(it.has("text") ? it.get("text").asText() : DIR.resolve(it.get("image").asText()));
            batch.add(items);
        }
        // "batched": false means transformers got ONE flat prompt list; pass it the same way.
        return c.get("batched").asBoolean() ? batch : batch.get(0);
    }

    static CallOptions options(JsonNode o) {
        CallOptions opt = CallOptions.defaults();
        if (o.has("padding")) {
            JsonNode p = o.get("padding");
            opt = opt.withPadding(p.isBoolean() ? (p.asBoolean() ? BatchOptions.Padding.LONGEST : BatchOptions.Padding.DO_NOT_PAD)
                    : switch (p.asText()) {
                        case "longest" -> BatchOptions.Padding.LONGEST;
                        case "max_length" -> BatchOptions.Padding.MAX_LENGTH;
                        default -> throw new IllegalStateException("padding " + p);
                    });
        }
        if (o.has("truncation")) opt = opt.withTruncation(o.get("truncation").asBoolean());
        if (o.has("max_length")) opt = opt.withMaxLength(o.get("max_length").asInt());
        if (o.has("add_eos_token")) opt = opt.withAddEosToken(o.get("add_eos_token").asBoolean());
        if (o.has("add_end_of_utterance_token"))
            opt = opt.withAddEndOfUtteranceToken(o.get("add_end_of_utterance_token").asBoolean());
        return opt;
    }

    static int[][] ints2(JsonNode n) {
        int[][] out = new int[n.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new int[n.get(i).size()];
            for (int j = 0; j < out[i].length; j++) out[i][j] = n.get(i).get(j).asInt();
        }
        return out;
    }

    @Test
    void fixtureHasAllCases() {
        assertEquals(17, root.get("cases").size());
    }

    @TestFactory
    List<DynamicTest> everyGolden() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("cases")) tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> check(c)));
        return tests;
    }

    static void check(JsonNode c) {
        String name = c.get("name").asText();
        IdeficsProcessor proc = processor(c.get("tokenizer").asText());
        CallOptions opt = options(c.get("options"));
        JsonNode e = c.get("expected"), derived = c.get("derived_post_pr29449_differences");

        // The tokenizer call: same truncation and max_length as HF's (padding differs by design
        // for the default, "longest" since PR #29449; it only matters for batches, checked below).
        JsonNode call = e.get("tokenizer_call");
        BatchOptions bo = opt.toBatchOptions();
        assertEquals(!call.get("truncation_strategy").asText().equals("do_not_truncate"), bo.truncation(), name + " truncation");
        assertEquals(call.get("max_length").isNull() ? null : call.get("max_length").asInt(), bo.maxLength(), name + " max_length");
        assertTrue(!bo.addSpecialTokens(), "processor tokenizes with add_special_tokens=False");
        if (!call.get("padding_strategy").asText().equals("do_not_pad"))
            assertEquals(call.get("padding_strategy").asText(), bo.padding().name().toLowerCase(), name + " padding");

        BatchFeature out = proc.process(prompts(c), opt);

        List<String> texts = new ArrayList<>();
        e.get("full_texts").forEach(t -> texts.add(t.asText()));
        assertEquals(texts, out.fullTexts(), name + " full_texts");

        assertArrayEquals(ints2(e.get("input_ids")), out.inputIds(), name + " input_ids");
        // PR #29449: attention_mask comes from the tokenizer (0 on pads) — the derived values.
        JsonNode mask = derived != null && derived.has("attention_mask") ? derived.get("attention_mask") : e.get("attention_mask");
        assertArrayEquals(ints2(mask), out.attentionMask(), name + " attention_mask");

        JsonNode iam = e.get("image_attention_mask");
        int b = iam.get("shape").get(0).asInt(), l = iam.get("shape").get(1).asInt(), n = iam.get("shape").get(2).asInt();
        assertEquals(iam.get("dtype").asText().equals("bool"), out.imageAttentionMaskIsBool(), name + " mask dtype");
        int[][][] got = out.imageAttentionMask();
        assertEquals(b, got.length, name + " mask B");
        for (int i = 0; i < b; i++) {
            assertEquals(l, got[i].length, name + " mask L");
            for (int t = 0; t < l; t++) {
                int[] want = new int[n];
                JsonNode v = iam.get("values").get(i).get(t);
                for (int k = 0; k < n; k++) want[k] = v.get(k).asBoolean() || v.get(k).asInt() != 0 ? 1 : 0;
                assertArrayEquals(want, got[i][t], name + " image_attention_mask[" + i + "][" + t + "]");
            }
        }

        JsonNode pv = e.get("pixel_values");
        int[] shape = new int[pv.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = pv.get("shape").get(i).asInt();
        Tensor pixels = out.pixelValues();
        assertArrayEquals(shape, pixels.shape(), name + " pixel_values shape");
        int per = 3 * 224 * 224;
        float[] zeros = new float[per];
        for (int i = 0; i < shape[0]; i++) {
            for (int k = 0; k < shape[1]; k++) {
                JsonNode slot = pv.get("slots").get(i).get(k);
                float[] want = slot.isNull() ? zeros : pixelsOf(slot.asText());
                int off = (i * shape[1] + k) * per;
                float[] have = java.util.Arrays.copyOfRange(pixels.data(), off, off + per);
                assertArrayEquals(want, have, name + " pixel slot [" + i + "][" + k + "] = " + slot);
            }
        }

        // Post-#29449, padding=False cannot stack rows of different lengths: the "error" of the
        // derived field, reached by passing padding=false explicitly (the default is "longest").
        if (derived != null && derived.has("error")) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> proc.process(prompts(c), opt.withPadding(BatchOptions.Padding.DO_NOT_PAD)));
            assertTrue(ex.getMessage().contains("different lengths"), ex.getMessage());
        }

        // toInputs hands the same arrays to the model.
        var inputs = out.toInputs();
        assertTrue(inputs.inputIds == out.inputIds() && inputs.pixelValues == pixels
                && inputs.imageAttentionMask == got && inputs.attentionMask == out.attentionMask());
    }
}
