package org.idefics4j.processing.tokenizer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlamaTokenizerTest {
    static final LlamaTokenizer IDEFICS = GoldensTest.IDEFICS;
    static final LlamaTokenizer LLAMA = GoldensTest.LLAMA;

    @Test
    void legacyPrefixAfterSpecialToken() {
        // The example: "▁" (29871) right after <end_of_utterance>, then "\n" (13).
        assertArrayEquals(new int[]{1, 32002, 29871, 13, 7900, 22137, 29901},
                IDEFICS.encode("<end_of_utterance>\nAssistant:"));
        assertArrayEquals(new int[]{32002, 29871, 13, 7900, 22137, 29901},
                IDEFICS.encode("<end_of_utterance>\nAssistant:", false));
        // The base tokenizer has no <end_of_utterance>: it is plain text there.
        assertEquals(List.of("▁<", "end", "_", "of", "_", "utter", "ance", ">"),
                GoldensTest.IDEFICS_BASE.tokenize("<end_of_utterance>"));
    }

    @Test
    void configuredProperties() {
        assertEquals(1, IDEFICS.bosTokenId());
        assertEquals(2, IDEFICS.eosTokenId());
        assertEquals(0, IDEFICS.unkTokenId());
        assertEquals(0, IDEFICS.padTokenId());
        assertEquals("<unk>", IDEFICS.padToken());
        assertEquals(BatchOptions.Side.LEFT, IDEFICS.paddingSide());
        assertEquals(32000, IDEFICS.vocabSize());
        assertEquals(32003, IDEFICS.size());
        assertEquals(32002, GoldensTest.IDEFICS_BASE.size());
        assertEquals(2048, IDEFICS.modelMaxLength());
        assertTrue(IDEFICS.addBosToken());
        assertFalse(IDEFICS.addEosToken());
        assertEquals(java.util.Set.of(0, 1, 2, 32000, 32001, 32002), IDEFICS.allSpecialIds());
        assertEquals(32001, IDEFICS.addedTokenId("<image>"));
        assertNull(LLAMA.padTokenId());
        assertEquals(BatchOptions.Side.RIGHT, LLAMA.paddingSide());
    }

    @Test
    void decodeAndTokens() {
        assertEquals("<s> Hello", IDEFICS.decode(new int[]{1, 15043}));
        assertEquals("Hello", IDEFICS.decode(new int[]{1, 15043}, true));
        assertEquals(List.of("<s>", "▁Hello"), IDEFICS.convertIdsToTokens(new int[]{1, 15043}));
        assertEquals(List.of("▁Hello"), IDEFICS.convertIdsToTokens(new int[]{1, 15043}, true));
        assertEquals("<0x0A>", IDEFICS.convertIdToToken(13));
        assertEquals(15043, IDEFICS.convertTokenToId("▁Hello"));
        assertEquals(32001, IDEFICS.convertTokenToId("<image>"));
        assertEquals(0, IDEFICS.convertTokenToId("no such piece"));
        // An emoji split into bytes comes back whole; a broken byte run becomes one U+FFFD per byte.
        assertEquals("😀", IDEFICS.decode(new int[]{29871, 243, 162, 155, 131}));
        assertEquals("\uFFFD\uFFFDx", IDEFICS.decode(new int[]{243, 162, 29916}));
        assertEquals(List.of("a\uFFFD", "Hello"), IDEFICS.batchDecode(new int[][]{{1, 263, 243}, {15043}}, true));
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        var e = assertThrows(TokenizerException.class, () -> IDEFICS.decode(new int[]{1, 32003}));
        assertTrue(e.getMessage().contains("id 32003 at position 1"), e.getMessage());
        assertTrue(e.getMessage().contains("0..32002"), e.getMessage());
        assertThrows(TokenizerException.class, () -> IDEFICS.decode(new int[]{-1}));
        e = assertThrows(TokenizerException.class, () -> GoldensTest.IDEFICS_BASE.decode(new int[]{32002}));
        assertTrue(e.getMessage().contains("32002"), e.getMessage());
        assertThrows(TokenizerException.class, () -> IDEFICS.convertIdToToken(40000));
    }

    @Test
    void batchPadsLeftWithUnkForIdefics() {
        BatchEncoding b = IDEFICS.batchEncode(List.of("Hello", "User: Describe<image>"));
        int[] second = IDEFICS.encode("User: Describe<image>");
        int pad = second.length - 2;
        int[] first = new int[second.length];
        first[pad] = 1;
        first[pad + 1] = 15043;
        assertArrayEquals(first, b.inputIds()[0]);
        assertArrayEquals(second, b.inputIds()[1]);
        int[] mask0 = new int[second.length];
        Arrays.fill(mask0, pad, second.length, 1);
        assertArrayEquals(mask0, b.attentionMask()[0]);
        assertTrue(Arrays.stream(b.attentionMask()[1]).allMatch(x -> x == 1));
    }

    @Test
    void batchOptions() {
        List<String> texts = List.of("Hello", "Hello world, how are you?");
        int[] longIds = IDEFICS.encode(texts.get(1));

        BatchEncoding right = IDEFICS.batchEncode(texts, BatchOptions.defaults().withPaddingSide(BatchOptions.Side.RIGHT));
        assertArrayEquals(padded(new int[]{1, 15043}, longIds.length, false), right.inputIds()[0]);
        int[] rightMask = new int[longIds.length];
        rightMask[0] = rightMask[1] = 1;
        assertArrayEquals(rightMask, right.attentionMask()[0]);

        BatchEncoding max = IDEFICS.batchEncode(texts, BatchOptions.defaults()
                .withPadding(BatchOptions.Padding.MAX_LENGTH).withMaxLength(12));
        assertEquals(12, max.inputIds()[0].length);
        assertEquals(12, max.inputIds()[1].length);
        assertArrayEquals(padded(longIds, 12, true), max.inputIds()[1]);

        // Truncation keeps BOS and cuts the text (from the right by default, from the left if asked).
        BatchEncoding cut = IDEFICS.batchEncode(texts, BatchOptions.defaults().withTruncation(true).withMaxLength(4));
        assertArrayEquals(new int[]{0, 0, 1, 15043}, cut.inputIds()[0]);
        assertArrayEquals(Arrays.copyOf(longIds, 4), cut.inputIds()[1]);
        BatchEncoding cutLeft = IDEFICS.batchEncode(texts, BatchOptions.defaults().withTruncation(true).withMaxLength(4)
                .withTruncationSide(BatchOptions.Side.LEFT));
        assertArrayEquals(new int[]{1, longIds[longIds.length - 3], longIds[longIds.length - 2], longIds[longIds.length - 1]},
                cutLeft.inputIds()[1]);

        assertEquals(8, longIds.length);
        BatchEncoding multiple = IDEFICS.batchEncode(texts, BatchOptions.defaults().withPadToMultipleOf(5));
        assertEquals(10, multiple.inputIds()[0].length);
        assertArrayEquals(padded(longIds, 10, true), multiple.inputIds()[1]);

        BatchEncoding ragged = IDEFICS.batchEncode(texts, BatchOptions.defaults()
                .withPadding(BatchOptions.Padding.DO_NOT_PAD).withAddSpecialTokens(false));
        assertArrayEquals(new int[]{15043}, ragged.inputIds()[0]);
        assertArrayEquals(Arrays.copyOfRange(longIds, 1, longIds.length), ragged.inputIds()[1]);
        assertArrayEquals(new int[]{1}, ragged.attentionMask()[0]);

        var e = assertThrows(TokenizerException.class, () -> LLAMA.batchEncode(texts));
        assertTrue(e.getMessage().contains("pad_token"), e.getMessage());
        assertEquals(2, LLAMA.batchEncode(texts, BatchOptions.defaults().withPadding(BatchOptions.Padding.DO_NOT_PAD)).size());
        assertThrows(TokenizerException.class, () -> IDEFICS.batchEncode(texts,
                BatchOptions.defaults().withTruncation(true).withMaxLength(0)));
    }

    private static int[] padded(int[] ids, int length, boolean left) {
        int[] out = new int[length];
        System.arraycopy(ids, 0, out, left ? length - ids.length : 0, ids.length);
        return out;
    }

    @Test
    void addEosTokenFromConfig() throws IOException {
        Path dir = TestFolders.copy("idefics");
        rewrite(dir.resolve("tokenizer_config.json"), "\"add_eos_token\": false", "\"add_eos_token\": true");
        LlamaTokenizer t = LlamaTokenizer.from(dir);
        assertArrayEquals(new int[]{1, 15043, 2}, t.encode("Hello"));
        assertArrayEquals(new int[]{15043}, t.encode("Hello", false));
    }

    @Test
    void longTextEncodesAndRoundTrips() {
        // 200k characters in one chunk: exercises the heap-based merge on a single huge word.
        StringBuilder sb = new StringBuilder();
        RandomText gen = new RandomText(7);
        // No "<" (no added tokens) and no literal "▁" (it decodes to a space), so the round trip is exact.
        while (sb.length() < 200_000) sb.append(gen.next(20).replace("<", "(").replace('\u2581', '_')).append(' ');
        String text = sb.toString();
        int[] ids = IDEFICS.encode(text, false);
        assertTrue(ids.length > 40_000, "ids: " + ids.length);
        // Decoding strips the "▁" prefix's space again, so the text comes back exactly.
        assertEquals(text, IDEFICS.decode(ids));
    }

    // -------------------------------------------------------------------------------------------
    // Bad input

    @Test
    void missingFolderAndFiles() throws IOException {
        Path missing = Path.of("no/such/tokenizer/folder");
        var e = assertThrows(TokenizerException.class, () -> LlamaTokenizer.from(missing));
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("no/such/tokenizer/folder"), e.getMessage());

        Path file = Files.createTempFile("tok", ".json");
        file.toFile().deleteOnExit();
        e = assertThrows(TokenizerException.class, () -> LlamaTokenizer.from(file));
        assertTrue(e.getMessage().contains("not a folder"), e.getMessage());

        Path empty = Files.createTempDirectory("tok-empty");
        empty.toFile().deleteOnExit();
        e = assertThrows(TokenizerException.class, () -> LlamaTokenizer.from(empty));
        assertTrue(e.getMessage().contains("no tokenizer.json or tokenizer.model"), e.getMessage());
    }

    @Test
    void malformedJsonNamesTheFile() throws IOException {
        for (String name : List.of("tokenizer_config.json", "tokenizer.json", "special_tokens_map.json", "added_tokens.json")) {
            Path dir = TestFolders.copy("idefics");
            Files.writeString(dir.resolve(name), "{\"bos_token\": \"<s>\",");
            var e = assertThrows(TokenizerException.class, () -> LlamaTokenizer.from(dir), name);
            assertTrue(e.getMessage().contains("malformed JSON") && e.getMessage().contains(name), e.getMessage());
        }
    }

    @Test
    void badKeysNameFileAndKey() throws IOException {
        Path dir = TestFolders.copy("idefics");
        rewrite(dir.resolve("tokenizer_config.json"), "\"add_bos_token\": true", "\"add_bos_token\": \"yes\"");
        var e = assertThrows(TokenizerException.class, () -> LlamaTokenizer.from(dir));
        assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("add_bos_token"), e.getMessage());

        Path dir2 = TestFolders.copy("idefics");
        rewrite(dir2.resolve("special_tokens_map.json"), "\"pad_token\": \"<unk>\"", "\"pad_token\": \"<pad>\"");
        e = assertThrows(TokenizerException.class, () -> LlamaTokenizer.from(dir2));
        assertTrue(e.getMessage().contains("special_tokens_map.json") && e.getMessage().contains("pad_token")
                && e.getMessage().contains("<pad>"), e.getMessage());

        Path dir3 = TestFolders.copy("idefics");
        rewrite(dir3.resolve("added_tokens.json"), "\"<image>\": 32001", "\"<image>\": 32005");
        e = assertThrows(TokenizerException.class, () -> LlamaTokenizer.from(dir3));
        assertTrue(e.getMessage().contains("added_tokens.json") && e.getMessage().contains("<image>"), e.getMessage());

        Path dir4 = TestFolders.copy("idefics");
        rewrite(dir4.resolve("tokenizer.json"), "\"▁t\": 260", "\"▁t\": \"x\"");
        e = assertThrows(TokenizerException.class, () -> LlamaTokenizer.from(dir4));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("model.vocab[\"▁t\"]"), e.getMessage());
    }

    @Test
    void truncatedSentencePieceModel() throws IOException {
        Path dir = TestFolders.copy("llama");
        Files.delete(dir.resolve("tokenizer.json"));
        byte[] model = Files.readAllBytes(dir.resolve("tokenizer.model"));
        Files.write(dir.resolve("tokenizer.model"), Arrays.copyOf(model, 1000));
        var e = assertThrows(TokenizerException.class, () -> LlamaTokenizer.from(dir));
        assertTrue(e.getMessage().contains("malformed SentencePiece model") && e.getMessage().contains("tokenizer.model"),
                e.getMessage());
    }

    @Test
    void sentencePieceModelContents() {
        SentencePieceModel sp = SentencePieceModel.read(GoldensTest.ROOT.resolve("llama/tokenizer.model"));
        assertEquals(32000, sp.pieces().size());
        assertEquals(SentencePieceModel.MODEL_BPE, sp.modelType());
        assertTrue(sp.byteFallback());
        assertEquals("identity", sp.normalizerName());
        assertTrue(sp.addDummyPrefix());
        assertFalse(sp.removeExtraWhitespaces());
        assertEquals(new SentencePieceModel.Piece("<unk>", 0f, SentencePieceModel.Type.UNKNOWN), sp.pieces().get(0));
        assertEquals(SentencePieceModel.Type.CONTROL, sp.pieces().get(1).type());
        assertEquals(new SentencePieceModel.Piece("<0x0A>", 0f, SentencePieceModel.Type.BYTE), sp.pieces().get(13));
        assertEquals("▁Hello", sp.pieces().get(15043).piece());
    }

    private static void rewrite(Path file, String from, String to) throws IOException {
        String s = Files.readString(file);
        assertTrue(s.contains(from), file + " lacks " + from);
        Files.writeString(file, s.replace(from, to));
    }
}
