package org.idefics4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.idefics4j.engine.DType;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.safetensors.SafetensorsFile;
import org.idefics4j.processing.image.IdeficsImageProcessor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code idefics4j process} end to end: a request file with relative image paths → the safetensors
 * of the processor golden {@code batch2_padding_longest} (attention mask as fixed by PR #29449).
 */
class ProcessCommandTest {
    static final Path RES = Path.of("../core/src/test/resources");
    static final Path FIX = RES.resolve("fixtures/processor");

    @TempDir
    Path dir;
    Path model;

    /** A hub-like model folder: the idefics tokenizer files + preprocessor_config.json. */
    @BeforeEach
    void modelFolder() throws Exception {
        model = Files.createDirectories(dir.resolve("model"));
        try (var files = Files.list(RES.resolve("tokenizers/idefics"))) {
            for (Path f : files.toList()) Files.copy(f, model.resolve(f.getFileName()));
        }
        new IdeficsImageProcessor().savePretrained(model);
        Path imgs = Files.createDirectories(dir.resolve("req/imgs"));
        for (String n : new String[]{"img_a.png", "img_b.png", "img_c.png", "img_d.png"}) Files.copy(FIX.resolve(n), imgs.resolve(n));
    }

    int run(StringWriter err, Path request, Path out, String... extra) {
        String[] base = {"process", "--processor", model.toString(), "--request", request.toString(), "--out", out.toString()};
        String[] args = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return ForwardCommandTest.run(err, args);
    }

    Path request(String json) throws Exception {
        Path r = dir.resolve("req/request.json");
        Files.writeString(r, json);
        return r;
    }

    static long[] flat(JsonNode n) {
        return n.isArray() ? java.util.stream.StreamSupport.stream(n.spliterator(), false).flatMapToLong(e -> Arrays.stream(flat(e))).toArray()
                : new long[]{n.isBoolean() ? (n.asBoolean() ? 1 : 0) : n.asLong()};
    }

    @Test
    void writesTheGoldenBatch() throws Exception {
        JsonNode c = null;
        for (JsonNode x : new ObjectMapper().readTree(FIX.resolve("cases.json").toFile()).get("cases"))
            if (x.get("name").asText().equals("batch2_padding_longest")) c = x;
        Path req = request("""
                {"prompts": [["User:", {"image": "imgs/img_a.png"}, "Describe this image.<end_of_utterance>", "\\nAssistant:"],
                             ["User:", {"image": "imgs/img_b.png"}, {"image": "imgs/img_c.png"}, {"image": "imgs/img_d.png"},
                              "Which of these images is the brightest?<end_of_utterance>", "\\nAssistant:"]],
                 "padding": "longest"}""");
        Path out = dir.resolve("out.safetensors");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, req, out), err.toString());
        JsonNode e = c.get("expected");
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            StoredTensor ids = f.get("input_ids"), mask = f.get("attention_mask"), pix = f.get("pixel_values"),
                    iam = f.get("image_attention_mask");
            assertEquals(DType.I64, ids.dtype());
            assertEquals(DType.I64, mask.dtype());
            assertEquals(DType.F32, pix.dtype());
            assertEquals(DType.I64, iam.dtype());
            assertArrayEquals(new int[]{2, 26}, ids.shape());
            assertArrayEquals(flat(e.get("input_ids")), ids.toLongArray());
            assertArrayEquals(flat(c.get("derived_post_pr29449_differences").get("attention_mask")), mask.toLongArray());
            assertArrayEquals(new int[]{2, 26, 3}, iam.shape());
            assertArrayEquals(flat(e.get("image_attention_mask").get("values")), iam.toLongArray());
            assertArrayEquals(new int[]{2, 3, 3, 224, 224}, pix.shape());
            float[] all = pix.toTensor().data(), a = new IdeficsImageProcessor().preprocessImage(FIX.resolve("img_a.png")).data();
            int per = 3 * 224 * 224;
            assertArrayEquals(a, Arrays.copyOfRange(all, 0, per), "row 0 slot 0 = img_a");
            assertArrayEquals(new float[per], Arrays.copyOfRange(all, per, 2 * per), "row 0 slot 1 empty");
        }
    }

    @Test
    void textOnlyRequestWritesABoolMask() throws Exception {
        Path out = dir.resolve("t.safetensors");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, request("{\"prompts\": [\"User:\", \"Hello!\"], \"add_eos_token\": true}"), out), err.toString());
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertEquals(DType.BOOL, f.get("image_attention_mask").dtype());
            long[] ids = f.get("input_ids").toLongArray();
            assertEquals(2, ids[ids.length - 1], "add_eos_token appends </s>");
            assertArrayEquals(new int[]{1, 1, 3, 224, 224}, f.get("pixel_values").shape());
        }
    }

    @Test
    void errorsAreOneLineNamingTheProblem() throws Exception {
        Path out = dir.resolve("x.safetensors");
        String[][] cases = {
                {"{\"prompts\": [\"a\"], \"pading\": true}", "unknown key \"pading\""},
                {"{\"prompts\": [\"User:\", {\"image\": \"imgs/none.png\"}]}", "none.png: no such file"},
                {"{\"prompts\": [\"User:\", \"http://127.0.0.1:9/x.png\"]}", "cannot fetch image http://127.0.0.1:9/x.png"},
                {"{\"prompts\": [[\"a\"], [\"b c d e f\"]], \"padding\": false}", "different lengths"}};
        for (String[] c : cases) {
            StringWriter err = new StringWriter();
            assertEquals(1, run(err, request(c[0]), out, "--no-url-fetch"), c[0]);
            String msg = err.toString().strip();
            assertTrue(msg.startsWith("error: ") && msg.contains(c[1]) && !msg.contains("\n"), c[0] + " → " + msg);
        }
        StringWriter err = new StringWriter();
        assertEquals(1, run(err, dir.resolve("missing.json"), out));
        assertTrue(err.toString().contains("request file not found"), err.toString());
        assertTrue(!Files.exists(out), "no output written on errors");
    }
}
