package org.idefics4j.processing;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.idefics4j.processing.IdeficsProcessor.CallOptions;
import org.idefics4j.processing.image.DecodedImage;
import org.idefics4j.processing.image.IdeficsImageProcessor;
import org.idefics4j.processing.image.ImageDecodeException;
import org.idefics4j.processing.tokenizer.BatchOptions.Padding;
import org.idefics4j.processing.tokenizer.BatchOptions.Side;
import org.idefics4j.processing.tokenizer.LlamaTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the processor must do beyond the goldens: options, item kinds, URLs, errors, debug output. */
class IdeficsProcessorTest {
    static final Path FIX = Path.of("src/test/resources/fixtures/processor");
    static final Path IMG_A = FIX.resolve("img_a.png"), IMG_B = FIX.resolve("img_b.png");
    static final int IMAGE = 32001, FAKE = 32000, EOU = 32002, PAD = 0;
    static IdeficsProcessor proc, base;
    static TestServer server;

    @BeforeAll
    static void setUp() throws Exception {
        proc = new IdeficsProcessor(LlamaTokenizer.from(Path.of("src/test/resources/tokenizers/idefics")),
                new IdeficsImageProcessor());
        base = new IdeficsProcessor(LlamaTokenizer.from(Path.of("src/test/resources/tokenizers/idefics-base")),
                new IdeficsImageProcessor());
        server = new TestServer();
    }

    @AfterAll
    static void tearDown() throws Exception {
        server.close();
    }

    static float[] slot(BatchFeature f, int b, int n) {
        int per = 3 * 224 * 224, off = (b * f.numImages() + n) * per;
        return Arrays.copyOfRange(f.pixelValues().data(), off, off + per);
    }

    // ---------------------------------------------------------------- prompt building

    @Test
    void endOfUtteranceDefaultFollowsTheTokenizer() {
        assertTrue(proc.tokenizerWasTrainedWithEndOfUtteranceToken());
        assertFalse(base.tokenizerWasTrainedWithEndOfUtteranceToken());
        assertEquals(List.of("<s>User:<end_of_utterance>Hi"), proc.process(List.of("User:", "Hi")).fullTexts());
        assertEquals(List.of("<s>User:Hi"), base.process(List.of("User:", "Hi")).fullTexts());
        assertEquals(List.of("<s>User:Hi"),
                proc.process(List.of("User:", "Hi"), CallOptions.defaults().withAddEndOfUtteranceToken(false)).fullTexts());
    }

    @Test
    void everyImageKindGivesTheSamePixels() throws Exception {
        byte[] png = Files.readAllBytes(IMG_A);
        var buffered = ImageIO.read(IMG_A.toFile());
        DecodedImage decoded = proc.imageProcessor().imageLoader().load(IMG_A);
        List<Object> items = List.of(IMG_A, IMG_A.toFile(), png, decoded, decoded.toRgb(), buffered);
        BatchFeature f = proc.process(items);
        assertEquals(6, f.numImages());
        float[] want = proc.imageProcessor().preprocessImage(IMG_A).data();
        for (int n = 0; n < 6; n++) assertArrayEquals(want, slot(f, 0, n), "slot " + n + " from " + items.get(n).getClass());
        assertEquals("<s><fake_token_around_image>" + "<image><fake_token_around_image>".repeat(6), f.fullTexts().get(0));
    }

    @Test
    void unsupportedItemsAndShapesAreClearErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> proc.process(List.of("User:", 42)));
        assertTrue(e.getMessage().contains("item 1") && e.getMessage().contains("java.lang.Integer"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> proc.process(List.of()));
        var mixed = assertThrows(IllegalArgumentException.class, () -> proc.process(List.of(List.of("a"), "b")));
        assertTrue(mixed.getMessage().contains("element 1"), mixed.getMessage());
        var nul = assertThrows(IllegalArgumentException.class,
                () -> proc.process(List.of(List.of("a"), Arrays.asList("b", null))));
        assertTrue(nul.getMessage().contains("prompt 1, item 1 is null"), nul.getMessage());
    }

    @Test
    void missingImageFileNamesTheItemAndFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.png");
        var e = assertThrows(ImageDecodeException.class, () -> proc.process(List.of("User:", missing)));
        assertTrue(e.getMessage().contains("item 1") && e.getMessage().contains(missing.toString())
                && e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void aStringIsNeverAFilePath() {
        // As in transformers: a local path written as text is text.
        BatchFeature f = proc.process(List.of(IMG_A.toString()));
        assertEquals(List.of("<s>" + IMG_A), f.fullTexts());
        assertTrue(f.imageAttentionMaskIsBool());
    }

    // ---------------------------------------------------------------- padding / truncation

    static final List<List<?>> UNEQUAL = List.of(List.of("User:", IMG_A, "Hi"), List.of("User:", IMG_A, IMG_B, "A longer question?"));

    @Test
    void defaultPaddingIsLongestOnTheLeftWithPadsMasked() {
        BatchFeature f = proc.process(UNEQUAL);
        int[] short0 = f.inputIds()[0], mask0 = f.attentionMask()[0];
        assertEquals(f.inputIds()[1].length, short0.length);
        int pads = 0;
        while (short0[pads] == PAD) pads++;
        assertTrue(pads > 0);
        assertEquals(1, short0[pads], "<s> right after the pads");
        for (int t = 0; t < short0.length; t++) assertEquals(t < pads ? 0 : 1, mask0[t], "mask at " + t);
        for (int t = 0; t < pads; t++) assertArrayEquals(new int[]{0, 0}, f.imageAttentionMask()[0][t], "left pads see no image");
    }

    @Test
    void rightPaddingSideIsRespected() {
        BatchFeature left = proc.process(UNEQUAL);
        BatchFeature right = proc.process(UNEQUAL, CallOptions.defaults().withPaddingSide(Side.RIGHT));
        int[] ids = right.inputIds()[0], mask = right.attentionMask()[0];
        int len = ids.length, real = Arrays.stream(left.attentionMask()[0]).sum();
        assertEquals(1, ids[0]);
        for (int t = 0; t < len; t++) {
            assertEquals(t < real ? 1 : 0, mask[t], "mask at " + t);
            if (t >= real) assertEquals(PAD, ids[t]);
        }
        assertArrayEquals(Arrays.copyOfRange(left.inputIds()[0], len - real, len), Arrays.copyOf(ids, real));
        // transformers' scan runs on over right pads: they keep the last image (masked out anyway).
        assertArrayEquals(new int[]{1, 0}, right.imageAttentionMask()[0][len - 1]);
    }

    @Test
    void explicitNoPaddingCannotStackUnequalRows() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> proc.process(UNEQUAL, CallOptions.defaults().withPadding(Padding.DO_NOT_PAD)));
        assertTrue(e.getMessage().contains("different lengths") && e.getMessage().contains("padding=false"), e.getMessage());
        // One row, or rows of equal length, are fine without padding.
        BatchFeature one = proc.process(List.of("User:", IMG_A), CallOptions.defaults().withPadding(Padding.DO_NOT_PAD));
        assertEquals(1, one.batchSize());
    }

    @Test
    void maxLengthPaddingWithALongerRowAndNoTruncationIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> proc.process(UNEQUAL,
                CallOptions.defaults().withPadding(Padding.MAX_LENGTH).withMaxLength(8)));
        assertTrue(e.getMessage().contains("truncation=true"), e.getMessage());
        BatchFeature f = proc.process(UNEQUAL, CallOptions.defaults().withPadding(Padding.MAX_LENGTH).withMaxLength(8)
                .withTruncation(true));
        assertEquals(8, f.sequenceLength());
    }

    @Test
    void explicitLongestPaddingIgnoresMaxLengthWithoutTruncation() {
        // transformers: max_length alone only truncates when padding is False / left at the default.
        BatchFeature f = proc.process(List.of("User:", IMG_A, "A rather long question that will not be cut?"),
                CallOptions.defaults().withPadding(Padding.LONGEST).withMaxLength(5));
        assertTrue(f.sequenceLength() > 5);
        BatchFeature cut = proc.process(List.of("User:", IMG_A, "A rather long question that will be cut?"),
                CallOptions.defaults().withMaxLength(5));
        assertEquals(5, cut.sequenceLength());
    }

    @Test
    void imagesBeyondTheTruncationAreDropped() {
        // <s> ▁User : <fake> <image> <fake> <image> → cut at 5 keeps one <image>.
        BatchFeature f = proc.process(List.of("User:", IMG_A, IMG_B), CallOptions.defaults().withTruncation(true).withMaxLength(5));
        assertArrayEquals(new int[]{1, 4911, 29901, FAKE, IMAGE}, f.inputIds()[0]);
        assertEquals(2, f.numImages());
        assertArrayEquals(proc.imageProcessor().preprocessImage(IMG_A).data(), slot(f, 0, 0));
        assertArrayEquals(new float[3 * 224 * 224], slot(f, 0, 1));
    }

    // ---------------------------------------------------------------- outputs

    @Test
    void textOnlyBatchHasABoolMaskAndOneZeroSlot() {
        BatchFeature f = proc.process(List.of(List.of("Hello"), List.of("Hello there, friend")));
        assertTrue(f.imageAttentionMaskIsBool());
        assertArrayEquals(new int[]{2, 1, 3, 224, 224}, f.pixelValues().shape());
        for (float v : f.pixelValues().data()) assertEquals(0f, v);
        List<StoredTensor> st = f.toStoredTensors();
        assertEquals(List.of("input_ids", "attention_mask", "pixel_values", "image_attention_mask"),
                st.stream().map(StoredTensor::name).toList());
        assertEquals(DType.BOOL, st.get(3).dtype());
        assertArrayEquals(new int[]{2, f.sequenceLength(), 1}, st.get(3).shape());
    }

    @Test
    void storedTensorsHaveTransformersDtypesAndValues() {
        BatchFeature f = proc.process(UNEQUAL);
        List<StoredTensor> st = f.toStoredTensors();
        int l = f.sequenceLength();
        assertEquals(DType.I64, st.get(0).dtype());
        assertEquals(DType.I64, st.get(1).dtype());
        assertEquals(DType.F32, st.get(2).dtype());
        assertEquals(DType.I64, st.get(3).dtype());
        assertArrayEquals(new int[]{2, 2, 3, 224, 224}, st.get(2).shape());
        assertArrayEquals(new int[]{2, l, 2}, st.get(3).shape());
        for (int t = 0; t < l; t++) {
            assertEquals(f.inputIds()[1][t], st.get(0).getLong(l + t));
            assertEquals(f.attentionMask()[0][t], st.get(1).getLong(t));
            assertEquals(f.imageAttentionMask()[1][t][1], st.get(3).getLong((l + t) * 2L + 1));
        }
    }

    @Test
    void eachTokenSeesOnlyTheLatestImage() {
        BatchFeature f = proc.process(List.of("A", IMG_A, "b", IMG_B, "c"), CallOptions.defaults().withAddEndOfUtteranceToken(false));
        int[] ids = f.inputIds()[0];
        int seen = -1;
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] == IMAGE) seen++;
            int[] want = new int[2];
            if (seen >= 0) want[seen] = 1;
            assertArrayEquals(want, f.imageAttentionMask()[0][t], "token " + t);
        }
    }

    // ---------------------------------------------------------------- debug

    @Test
    void debugPrintsTextsAndTokens() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        IdeficsProcessor p = proc.withDebugStream(new PrintStream(buf, true, StandardCharsets.UTF_8));
        p.process(List.of("User:", IMG_A, "It's\n"), CallOptions.defaults().withDebug(true));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("full_text=\"<s>User:<fake_token_around_image><image><fake_token_around_image>It's\\n\""), out);
        assertTrue(out.contains("input_ids[0]=[1, 4911, 29901, 32000, 32001, 32000, "), out);
        assertTrue(out.contains("tokens[0]=['<s>', '▁User', ':', '<fake_token_around_image>', '<image>'"), out);
        buf.reset();
        p.process(List.of("User:", IMG_A));
        assertEquals("", buf.toString(StandardCharsets.UTF_8), "nothing printed without debug");
    }

    // ---------------------------------------------------------------- URLs

    @Test
    @Timeout(20)
    void urlItemsAreFetchedAsImages() {
        String url = server.url("/a.png");
        BatchFeature f = proc.process(List.of("User:", "  " + url + " ", URI.create(url), "Describe."));
        assertEquals("<s>User:<fake_token_around_image><image><fake_token_around_image><image><fake_token_around_image>Describe.",
                f.fullTexts().get(0));
        float[] want = proc.imageProcessor().preprocessImage(IMG_A).data();
        assertArrayEquals(want, slot(f, 0, 0));
        assertArrayEquals(want, slot(f, 0, 1));
    }

    @Test
    @Timeout(20)
    void urlFailuresNameTheUrl() {
        IdeficsProcessor small = proc.withImageFetcher(new ImageFetcher(1000, Duration.ofSeconds(2)));
        for (String path : List.of("/missing", "/big-chunked", "/not-image")) {
            String url = server.url(path);
            var e = assertThrows(ImageFetchException.class, () -> small.process(List.of("User:", url)));
            assertTrue(e.getMessage().contains(url), e.getMessage());
        }
    }

    @Test
    void fetchingSwitchedOffIsAnErrorNamingTheUrl() {
        IdeficsProcessor off = proc.withUrlFetching(false);
        assertFalse(off.urlFetching());
        var e = assertThrows(ImageFetchException.class,
                () -> off.process(List.of("User:", "https://example.invalid/cat.png", "Hi")));
        assertTrue(e.getMessage().contains("https://example.invalid/cat.png") && e.getMessage().contains("switched off"),
                e.getMessage());
        // Text that is not a URL is unaffected.
        assertEquals(List.of("<s>User:<end_of_utterance>Hi"), off.process(List.of("User:", "Hi")).fullTexts());
    }

    // ---------------------------------------------------------------- loading

    @Test
    void fromPretrainedReadsOneModelFolder(@TempDir Path dir) throws Exception {
        try (var files = Files.list(Path.of("src/test/resources/tokenizers/idefics"))) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        new IdeficsImageProcessor().withImageSize(32).savePretrained(dir);
        IdeficsProcessor p = IdeficsProcessor.fromPretrained(dir);
        BatchFeature f = p.process(List.of("User:", IMG_A));
        assertArrayEquals(new int[]{1, 1, 3, 32, 32}, f.pixelValues().shape());
        Files.delete(dir.resolve("preprocessor_config.json"));
        var e = assertThrows(IllegalArgumentException.class, () -> IdeficsProcessor.fromPretrained(dir));
        assertTrue(e.getMessage().contains("preprocessor_config.json"), e.getMessage());
    }

    @Test
    void aTokenizerWithoutImageTokensIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new IdeficsProcessor(
                LlamaTokenizer.from(Path.of("src/test/resources/tokenizers/llama")), new IdeficsImageProcessor()));
        assertTrue(e.getMessage().contains("<image>"), e.getMessage());
    }

    @Test
    void transformReplacesTheInferenceStepsAndSetsTheSlotShape() {
        // transformers' `transform` (training augmentation): its output replaces the preset steps,
        // and the pixel slots take its shape
        BatchFeature b = proc.process(List.of("User:", IMG_A, "Hi"), IdeficsProcessor.CallOptions.defaults()
                .withTransform(img -> {
                    Tensor t = Tensor.zeros(3, 8, 8);
                    Arrays.fill(t.data(), 0.5f);
                    return t;
                }));
        assertArrayEquals(new int[]{1, 1, 3, 8, 8}, b.pixelValues().shape());
        for (float v : b.pixelValues().data()) assertEquals(0.5f, v);
        int[] calls = {0};
        var e = assertThrows(IllegalArgumentException.class, () -> proc.process(List.of(IMG_A, IMG_B),
                IdeficsProcessor.CallOptions.defaults().withTransform(img -> ++calls[0] == 1 ? Tensor.zeros(3, 8, 8) : Tensor.zeros(3, 9, 9))));
        assertTrue(e.getMessage().contains("different shapes"), e.getMessage());
    }
}
