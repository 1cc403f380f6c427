package org.idefics4j.processing.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Differential test against Hugging Face's Rust {@code tokenizers} (through DJL's JNI binding,
 * test scope only) on seeded random strings and random id sequences. Every mismatch is collected
 * and the first few are reported with the input.
 */
class DjlDifferentialTest {
    static final int STRINGS = 5000;
    static final int ID_SEQUENCES = 3000;
    static final long SEED = 20240611L;

    static HuggingFaceTokenizer djlIdefics, djlBase, djlLlama;

    @BeforeAll
    static void loadOracle() throws IOException {
        // No padding or truncation: the oracle must return full-length ids.
        Map<String, String> opts = Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false",
                "modelMaxLength", "1000000");
        djlIdefics = HuggingFaceTokenizer.newInstance(GoldensTest.ROOT.resolve("idefics/tokenizer.json"), opts);
        djlBase = HuggingFaceTokenizer.newInstance(GoldensTest.ROOT.resolve("idefics-base/tokenizer.json"), opts);
        djlLlama = HuggingFaceTokenizer.newInstance(GoldensTest.ROOT.resolve("llama/tokenizer.json"), opts);
    }

    @AfterAll
    static void close() {
        for (HuggingFaceTokenizer t : new HuggingFaceTokenizer[]{djlIdefics, djlBase, djlLlama}) if (t != null) t.close();
    }

    static int[] ints(long[] a) {
        return Arrays.stream(a).mapToInt(x -> (int) x).toArray();
    }

    @Test
    void oracleAgreesWithAGolden() {
        // Guards the oracle set-up itself (BOS added, no truncation): README example.
        assertEquals("[1, 1434, 29871, 32001, 29871, 1156]",
                Arrays.toString(djlIdefics.encode("before <image> after").getIds()));
    }

    @Test
    void randomStringsEncodeAndDecodeLikeRustTokenizers() {
        RandomText gen = new RandomText(SEED);
        List<String> mismatches = new ArrayList<>();
        Object[][] pairs = {
                {"idefics", GoldensTest.IDEFICS, djlIdefics},
                {"idefics (tokenizer.model)", GoldensTest.IDEFICS_SP, djlIdefics},
                {"idefics-base", GoldensTest.IDEFICS_BASE, djlBase},
                {"llama", GoldensTest.LLAMA, djlLlama},
        };
        for (int i = 0; i < STRINGS; i++) {
            String text = gen.next(i % 10 == 0 ? 60 : 12);
            for (Object[] p : pairs) {
                LlamaTokenizer ours = (LlamaTokenizer) p[1];
                HuggingFaceTokenizer djl = (HuggingFaceTokenizer) p[2];
                Encoding enc = djl.encode(text, true, false);
                int[] expected = ints(enc.getIds());
                int[] actual = ours.encode(text);
                if (!Arrays.equals(expected, actual)) {
                    mismatches.add(p[0] + " ids for " + GoldensTest.printable(text) + " [" + text.codePoints()
                            .mapToObj(Integer::toHexString).toList() + "]: expected " + Arrays.toString(expected)
                            + " got " + Arrays.toString(actual));
                    continue;
                }
                if (p[0].equals("idefics")) {
                    List<String> tokens = List.of(enc.getTokens());
                    if (!tokens.equals(ours.convertIdsToTokens(actual)))
                        mismatches.add("tokens for " + GoldensTest.printable(text) + ": expected " + tokens);
                    for (boolean skip : new boolean[]{false, true}) {
                        String d = djl.decode(enc.getIds(), skip);
                        if (!d.equals(ours.decode(actual, skip)))
                            mismatches.add("decode(skip=" + skip + ") for " + GoldensTest.printable(text)
                                    + ": expected " + GoldensTest.printable(d) + " got " + GoldensTest.printable(ours.decode(actual, skip)));
                    }
                }
            }
        }
        report(mismatches);
    }

    @Test
    void longWordsWithoutSpacesLikeRustTokenizers() {
        // Thousands of characters with no space: one huge BPE word, merged by the heap without the
        // per-word cache (also with runs of "▁" and digits glued to letters).
        RandomText gen = new RandomText(SEED + 3);
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < 5000) sb.append(gen.next(20).replace(" ", i % 2 == 0 ? "" : "\u2581\u2581"));
            String text = sb.toString();
            int[] expected = ints(djlIdefics.encode(text, true, false).getIds()), actual = GoldensTest.IDEFICS.encode(text);
            if (!Arrays.equals(expected, actual)) mismatches.add("long word #" + i + " differs");
        }
        report(mismatches);
    }

    @Test
    void randomIdSequencesDecodeLikeRustTokenizers() {
        // Random ids, biased towards byte pieces (3..258) so invalid UTF-8 runs (→ U+FFFD) occur often,
        // and towards special tokens and ▁ pieces.
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        LlamaTokenizer ours = GoldensTest.IDEFICS;
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < ID_SEQUENCES; i++) {
            int n = rnd.nextInt(0, 16);
            long[] ids = new long[n];
            for (int k = 0; k < n; k++) {
                ids[k] = switch (rnd.nextInt(5)) {
                    case 0, 1 -> rnd.nextInt(3, 259);
                    case 2 -> rnd.nextInt(0, 3) + (rnd.nextBoolean() ? 0 : 32000);
                    case 3 -> rnd.nextBoolean() ? 29871 : 259;
                    default -> rnd.nextInt(0, ours.size());
                };
            }
            int[] ours32 = ints(ids);
            for (boolean skip : new boolean[]{false, true}) {
                String expected = djlIdefics.decode(ids, skip), actual = ours.decode(ours32, skip);
                if (!expected.equals(actual))
                    mismatches.add("decode(skip=" + skip + ") " + Arrays.toString(ids) + ": expected \""
                            + expected + "\" got \"" + actual + "\"");
            }
        }
        report(mismatches);
    }

    @Test
    void addedTokenFlagsMatchRustTokenizers() throws IOException {
        // A variant of the idefics folder whose added tokens use the flags the real files leave off:
        // lstrip, rstrip, single_word, and a normalized non-special token (matched after "▁" is
        // prepended and spaces become "▁"). Both sides load the same modified tokenizer.json.
        Path dir = TestFolders.copy("idefics");
        Path file = dir.resolve("tokenizer.json");
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) GoldensTest.JSON.readTree(file.toFile());
        var added = (com.fasterxml.jackson.databind.node.ArrayNode) root.get("added_tokens");
        for (var t : added) {
            var o = (com.fasterxml.jackson.databind.node.ObjectNode) t;
            switch (o.get("content").asText()) {
                case "<image>" -> o.put("lstrip", true);
                case "<fake_token_around_image>" -> o.put("rstrip", true);
                case "<end_of_utterance>" -> o.put("single_word", true);
                default -> { }
            }
        }
        added.addObject().put("id", 32003).put("content", "cat dog").put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", true).put("special", false);
        GoldensTest.JSON.writeValue(file.toFile(), root);
        LlamaTokenizer ours = LlamaTokenizer.from(dir);
        try (HuggingFaceTokenizer djl = HuggingFaceTokenizer.newInstance(file,
                Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false", "modelMaxLength", "1000000"))) {
            RandomText gen = new RandomText(SEED + 2);
            List<String> mismatches = new ArrayList<>();
            int hits = 0, normalizedHits = 0;
            for (int i = 0; i < STRINGS / 2; i++) {
                String text = gen.next(12);
                if (i % 7 == 0) text = text + " cat dog" + (i % 2 == 0 ? "s" : "");
                int[] expected = ints(djl.encode(text, true, false).getIds()), actual = ours.encode(text);
                if (Arrays.stream(expected).anyMatch(id -> id >= 32000)) hits++;
                if (Arrays.stream(expected).anyMatch(id -> id == 32003)) normalizedHits++;
                if (!Arrays.equals(expected, actual))
                    mismatches.add("ids for " + GoldensTest.printable(text) + ": expected " + Arrays.toString(expected)
                            + " got " + Arrays.toString(actual));
            }
            report(mismatches);
            assertTrue(hits > 300, "added tokens matched in only " + hits + " strings");
            assertTrue(normalizedHits > 50, "normalized token matched in only " + normalizedHits + " strings");
        }
    }

    private static void report(List<String> mismatches) {
        if (mismatches.isEmpty()) return;
        fail(mismatches.size() + " mismatches; first ones:\n" + String.join("\n", mismatches.subList(0, Math.min(10, mismatches.size()))));
    }

    @Test
    void generatorCoversTheHardCases() {
        // The random inputs must actually contain what they are meant to stress.
        RandomText gen = new RandomText(SEED);
        int special = 0, multiSpace = 0, supplementary = 0, byteFallback = 0;
        for (int i = 0; i < STRINGS; i++) {
            String t = gen.next(i % 10 == 0 ? 60 : 12);
            if (t.contains("<image>") || t.contains("<end_of_utterance>")) special++;
            if (t.contains("  ") || t.contains("\t") || t.contains("\n\n")) multiSpace++;
            if (t.codePoints().anyMatch(c -> c > 0xFFFF)) supplementary++;
            if (Arrays.stream(GoldensTest.IDEFICS.encode(t)).anyMatch(id -> id >= 3 && id <= 258)) byteFallback++;
        }
        assertTrue(special > 500, "special tokens in " + special);
        assertTrue(multiSpace > 1000, "whitespace runs in " + multiSpace);
        assertTrue(supplementary > 300, "supplementary code points in " + supplementary);
        assertTrue(byteFallback > 500, "byte fallback in " + byteFallback);
    }
}
