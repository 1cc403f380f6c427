package org.idefics4j.processing.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every line of goldens.jsonl (HF slow/fast reference ids, tokens and fast decodes) against the
 * three folders, each loaded from tokenizer.json and from tokenizer.model alone.
 */
class GoldensTest {
    static final Path ROOT = Path.of("src/test/resources/tokenizers");
    static final ObjectMapper JSON = new ObjectMapper();

    static final LlamaTokenizer IDEFICS = LlamaTokenizer.from(ROOT.resolve("idefics"));
    static final LlamaTokenizer IDEFICS_BASE = LlamaTokenizer.from(ROOT.resolve("idefics-base"));
    static final LlamaTokenizer LLAMA = LlamaTokenizer.from(ROOT.resolve("llama"));
    static final LlamaTokenizer IDEFICS_SP = TestFolders.withoutTokenizerJson("idefics");
    static final LlamaTokenizer IDEFICS_BASE_SP = TestFolders.withoutTokenizerJson("idefics-base");
    static final LlamaTokenizer LLAMA_SP = TestFolders.withoutTokenizerJson("llama");

    static List<JsonNode> goldens() {
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(ROOT.resolve("goldens.jsonl"))) {
                if (!line.isBlank()) out.add(JSON.readTree(line));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> cases() {
        return goldens().stream().map(g -> Arguments.of(Named.of(
                "#" + g.get("id").asInt() + " " + printable(g.get("text").asText()), g)));
    }

    static String printable(String s) {
        String t = s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
        return t.length() > 40 ? t.substring(0, 40) + "…" : t;
    }

    static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }

    static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void allGoldensAreRead() {
        assertEquals(241, goldens().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void golden(JsonNode g) {
        String text = g.get("text").asText();
        int[] ids = ints(g.get("input_ids"));
        int[] baseIds = ints(g.get("idefics_base_input_ids"));
        int[] llamaIds = ints(g.get("llama_input_ids"));

        assertArrayEquals(ids, IDEFICS.encode(text), "idefics ids (tokenizer.json)");
        assertArrayEquals(Arrays.copyOfRange(ids, 1, ids.length), IDEFICS.encode(text, false), "idefics ids without BOS");
        assertEquals(strings(g.get("tokens")), IDEFICS.tokenize(text), "idefics tokens");
        assertArrayEquals(baseIds, IDEFICS_BASE.encode(text), "idefics-base ids (tokenizer.json)");
        assertArrayEquals(llamaIds, LLAMA.encode(text), "llama ids (tokenizer.json)");

        assertArrayEquals(ids, IDEFICS_SP.encode(text), "idefics ids (tokenizer.model)");
        assertArrayEquals(baseIds, IDEFICS_BASE_SP.encode(text), "idefics-base ids (tokenizer.model)");
        assertArrayEquals(llamaIds, LLAMA_SP.encode(text), "llama ids (tokenizer.model)");

        assertEquals(g.get("decode").asText(), IDEFICS.decode(ids), "decode");
        assertEquals(g.get("decode_skip_special").asText(), IDEFICS.decode(ids, true), "decode skip_special_tokens");
        assertEquals(g.get("decode_no_bos").asText(), IDEFICS.decode(Arrays.copyOfRange(ids, 1, ids.length)), "decode without BOS");
        assertEquals(g.get("decode").asText(), IDEFICS_SP.decode(ids), "decode (tokenizer.model)");
    }
}
