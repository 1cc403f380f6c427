package org.idefics4j.processing;

import org.idefics4j.engine.Tensor;
import org.idefics4j.processing.image.DecodedImage;
import org.idefics4j.processing.image.IdeficsImageProcessor;
import org.idefics4j.processing.image.ImageDecodeException;
import org.idefics4j.processing.image.RgbImage;
import org.idefics4j.processing.tokenizer.AddedToken;
import org.idefics4j.processing.tokenizer.BatchEncoding;
import org.idefics4j.processing.tokenizer.BatchOptions;
import org.idefics4j.processing.tokenizer.BatchOptions.Padding;
import org.idefics4j.processing.tokenizer.BatchOptions.Side;
import org.idefics4j.processing.tokenizer.LlamaTokenizer;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * transformers' {@code IdeficsProcessor}: prompts made of text and images → {@code input_ids},
 * {@code attention_mask}, {@code pixel_values}, {@code image_attention_mask} (spec §13).
 *
 * <p>A prompt is a list of items: a {@link String} (text, or an image URL when it passes
 * {@link ImageFetcher#isUrl}) or an image ({@link DecodedImage}, {@link RgbImage},
 * {@link BufferedImage}, {@code byte[]} of an encoded file, a local file as {@link Path} / {@link File},
 * or a {@link URI} to fetch). {@link #process} takes one prompt or a batch (a list of prompts).
 *
 * <p>Follows the behaviour of transformers ≥ 4.40 (PR #29449) where v4.34 was buggy: the
 * attention mask comes from the tokenizer, so pad tokens get 0 also with {@code padding=True} /
 * {@code "max_length"}, and the tokenizer's {@code padding_side} is respected (left for IDEFICS).
 * The default padding is "longest"; explicit {@code padding=false} with rows of different lengths
 * is an error (transformers cannot stack them either). See {@link CallOptions} for the one place
 * where the v4.34 rule is kept ({@code max_length} alone truncates).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class IdeficsProcessor {
    public static final String FAKE_TOKEN_AROUND_IMAGE = "<fake_token_around_image>";
    public static final String IMAGE_TOKEN = "<image>";
    public static final String END_OF_UTTERANCE_TOKEN = "<end_of_utterance>";

    private final LlamaTokenizer tokenizer;
    private final IdeficsImageProcessor imageProcessor;
    private final ImageFetcher imageFetcher;
    private final boolean urlFetching;
    /** Null: System.err at the time of printing (so a redirected stderr is honoured). */
    private final PrintStream debugStream;
    private final int imageTokenId;
    private final boolean tokenizerWasTrainedWithEndOfUtteranceToken;

    /**
     * @throws IllegalArgumentException when the tokenizer lacks the IDEFICS image tokens or BOS/EOS
     */
    public IdeficsProcessor(LlamaTokenizer tokenizer, IdeficsImageProcessor imageProcessor) {
        this(tokenizer, imageProcessor, ImageFetcher.defaults(), true, null);
    }

    private IdeficsProcessor(LlamaTokenizer tokenizer, IdeficsImageProcessor imageProcessor, ImageFetcher imageFetcher,
                             boolean urlFetching, PrintStream debugStream) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.imageProcessor = Objects.requireNonNull(imageProcessor, "imageProcessor");
        this.imageFetcher = Objects.requireNonNull(imageFetcher, "imageFetcher");
        this.urlFetching = urlFetching;
        this.debugStream = debugStream;
        // Both delimiters must be added tokens, or "<image>" would be split into ordinary pieces and
        // the image-token count (hence slots and image mask) would silently be 0.
        Integer image = tokenizer.addedTokenId(IMAGE_TOKEN);
        if (image == null || tokenizer.addedTokenId(FAKE_TOKEN_AROUND_IMAGE) == null)
            throw new IllegalArgumentException("not an IDEFICS tokenizer: it has no added token " + IMAGE_TOKEN + " / "
                    + FAKE_TOKEN_AROUND_IMAGE);
        if (tokenizer.bosToken() == null || tokenizer.eosToken() == null || tokenizer.eosTokenId() == null)
            throw new IllegalArgumentException("the tokenizer defines no bos_token / eos_token, which the prompt format needs");
        this.imageTokenId = image;
        // transformers: "<end_of_utterance>" in special_tokens_map["additional_special_tokens"];
        // here: an added token flagged special (the instruct tokenizer has it, the base one does not).
        Integer eou = tokenizer.addedTokenId(END_OF_UTTERANCE_TOKEN);
        AddedToken eouToken = eou == null ? null : tokenizer.addedTokens().get(eou);
        this.tokenizerWasTrainedWithEndOfUtteranceToken = eouToken != null && eouToken.special();
    }

    /**
     * Loads a model folder as the hub lays it out: the tokenizer files ({@code tokenizer.json} or
     * {@code tokenizer.model}, {@code tokenizer_config.json}, ...) and {@code preprocessor_config.json}.
     */
    public static IdeficsProcessor fromPretrained(Path folder) {
        Objects.requireNonNull(folder, "folder");
        return new IdeficsProcessor(LlamaTokenizer.from(folder),
                IdeficsImageProcessor.fromPretrained(folder.resolve(IdeficsImageProcessor.CONFIG_NAME)));
    }

    /** Whether URL items are downloaded (default true); when off a URL item is an error naming it. */
    public IdeficsProcessor withUrlFetching(boolean enabled) {
        return new IdeficsProcessor(tokenizer, imageProcessor, imageFetcher, enabled, debugStream);
    }

    /** Size and time limits for URL downloads. */
    public IdeficsProcessor withImageFetcher(ImageFetcher fetcher) {
        return new IdeficsProcessor(tokenizer, imageProcessor, fetcher, urlFetching, debugStream);
    }

    /** Where {@code debug} output goes (default: standard error). */
    public IdeficsProcessor withDebugStream(PrintStream stream) {
        return new IdeficsProcessor(tokenizer, imageProcessor, imageFetcher, urlFetching, stream);
    }

    public IdeficsProcessor withImageProcessor(IdeficsImageProcessor ip) {
        return new IdeficsProcessor(tokenizer, ip, imageFetcher, urlFetching, debugStream);
    }

    public LlamaTokenizer tokenizer() {
        return tokenizer;
    }

    public IdeficsImageProcessor imageProcessor() {
        return imageProcessor;
    }

    public ImageFetcher imageFetcher() {
        return imageFetcher;
    }

    public boolean urlFetching() {
        return urlFetching;
    }

    /** The id of {@code <image>} (32001 in the released tokenizers). */
    public int imageTokenId() {
        return imageTokenId;
    }

    /** What {@code add_end_of_utterance_token = null} resolves to with this tokenizer. */
    public boolean tokenizerWasTrainedWithEndOfUtteranceToken() {
        return tokenizerWasTrainedWithEndOfUtteranceToken;
    }

    // ------------------------------------------------------------------------------------------
    // Call options

    /**
     * The keyword arguments of {@code __call__}, by their transformers names.
     *
     * @param padding                 null (default) = "longest"; {@code LONGEST} = True / "longest";
     *                                {@code MAX_LENGTH} = "max_length"; {@code DO_NOT_PAD} = False
     * @param truncation              null = transformers' None: on when {@code maxLength} is set and
     *                                padding is left at its default or False (v4.34's rule, see below)
     * @param maxLength               null = none ({@code model_max_length} where truncation /
     *                                max_length padding need one)
     * @param addEosToken             append {@code </s>} to every prompt
     * @param addEndOfUtteranceToken  null = whether the tokenizer has {@code <end_of_utterance>} as a
     *                                special token; true inserts it between consecutive text items
     * @param debug                   print each built text and its tokens to the debug stream
     * @param paddingSide             null = the tokenizer's {@code padding_side}
     * @param transform               null = the image processor's inference steps; otherwise a
     *                                function from an image to its [C, H, W] tensor that replaces them
     *                                (training augmentation, transformers' {@code transform})
     *
     * <p>About {@code truncation = null}: transformers turns truncation on when only
     * {@code max_length} is given and {@code padding is False}. In v4.34 the default padding was
     * False, so {@code processor(p, max_length=12)} truncated; after PR #29449 the default is the
     * string "longest", the rule no longer fires and {@code max_length} is silently ignored. That is
     * a side effect, not the bug the PR fixed, so the default padding here keeps v4.34's
     * truncation (fixture case {@code max_length_without_truncation_flag}).
     */
    public record CallOptions(Padding padding, Boolean truncation, Integer maxLength, boolean addEosToken,
                              Boolean addEndOfUtteranceToken, boolean debug, Side paddingSide,
                              java.util.function.Function<? super DecodedImage, Tensor> transform) {
        public CallOptions {
            if (maxLength != null && maxLength < 0) throw new IllegalArgumentException("max_length must be >= 0, got " + maxLength);
        }

        public static CallOptions defaults() {
            return new CallOptions(null, null, null, false, null, false, null, null);
        }

        public CallOptions withPadding(Padding v) {
            return new CallOptions(v, truncation, maxLength, addEosToken, addEndOfUtteranceToken, debug, paddingSide, transform);
        }

        public CallOptions withTruncation(Boolean v) {
            return new CallOptions(padding, v, maxLength, addEosToken, addEndOfUtteranceToken, debug, paddingSide, transform);
        }

        public CallOptions withMaxLength(Integer v) {
            return new CallOptions(padding, truncation, v, addEosToken, addEndOfUtteranceToken, debug, paddingSide, transform);
        }

        public CallOptions withAddEosToken(boolean v) {
            return new CallOptions(padding, truncation, maxLength, v, addEndOfUtteranceToken, debug, paddingSide, transform);
        }

        public CallOptions withAddEndOfUtteranceToken(Boolean v) {
            return new CallOptions(padding, truncation, maxLength, addEosToken, v, debug, paddingSide, transform);
        }

        public CallOptions withDebug(boolean v) {
            return new CallOptions(padding, truncation, maxLength, addEosToken, addEndOfUtteranceToken, v, paddingSide, transform);
        }

        public CallOptions withTransform(java.util.function.Function<? super DecodedImage, Tensor> v) {
            return new CallOptions(padding, truncation, maxLength, addEosToken, addEndOfUtteranceToken, debug, paddingSide, v);
        }

        public CallOptions withPaddingSide(Side v) {
            return new CallOptions(padding, truncation, maxLength, addEosToken, addEndOfUtteranceToken, debug, v, transform);
        }

        /** The tokenizer call the processor makes ({@code add_special_tokens=False}: BOS is literal text). */
        BatchOptions toBatchOptions() {
            Padding p = padding == null ? Padding.LONGEST : padding;
            boolean trunc = truncation != null ? truncation
                    : maxLength != null && (padding == null || padding == Padding.DO_NOT_PAD);
            return new BatchOptions(false, p, maxLength, trunc, paddingSide, null, null);
        }
    }

    // ------------------------------------------------------------------------------------------
    // __call__

    /** {@link #process(List, CallOptions)} with the default options. */
    public BatchFeature process(List<?> prompts) {
        return process(prompts, CallOptions.defaults());
    }

    /**
     * transformers' {@code processor(prompts, ...)}.
     *
     * @param prompts one prompt (a list of items) or a batch (a list of prompts): a batch iff at
     *                least one element is a list, as in transformers
     * @throws IllegalArgumentException  for empty prompts, unsupported items, or rows of different
     *                                   lengths without padding
     * @throws ImageFetchException       a URL item could not be downloaded (or fetching is off)
     * @throws ImageDecodeException      an image item could not be decoded (message names the file)
     */
    public BatchFeature process(List<?> prompts, CallOptions options) {
        Objects.requireNonNull(prompts, "prompts");
        Objects.requireNonNull(options, "options");
        List<List<?>> batch = asBatch(prompts);
        boolean batched = batch.get(0) != prompts; // a single prompt is wrapped as itself
        boolean addEou = options.addEndOfUtteranceToken() != null ? options.addEndOfUtteranceToken()
                : tokenizerWasTrainedWithEndOfUtteranceToken;
        PrintStream debug = options.debug() ? (debugStream != null ? debugStream : System.err) : null;

        // 1. Prompt texts and their images (decoded now, so a bad file fails in prompt order).
        List<String> fullTexts = new ArrayList<>(batch.size());
        List<List<DecodedImage>> allImages = new ArrayList<>(batch.size());
        for (int b = 0; b < batch.size(); b++) {
            List<DecodedImage> images = new ArrayList<>();
            String text = buildText(batch.get(b), b, batched, addEou,
                    options.addEosToken(), images);
            if (debug != null) debug.println("full_text=" + pythonRepr(text));
            fullTexts.add(text);
            allImages.add(images);
        }

        // 2. One tokenizer call for the batch; ids and attention mask are taken as it returns them.
        BatchEncoding enc = tokenizer.batchEncode(fullTexts, options.toBatchOptions());
        int[][] inputIds = enc.inputIds(), attentionMask = enc.attentionMask();
        checkEqualLengths(inputIds, options);
        int rows = inputIds.length, length = rows == 0 ? 0 : inputIds[0].length;

        // 3. pixel_values [B, N, 3, S, S]: row b's first k images, k = number of <image> tokens left
        //    after truncation (a truncated image is dropped); other slots stay zero.
        int maxNumImages = 1;
        boolean atLeastOneImage = false;
        for (List<DecodedImage> imgs : allImages) {
            maxNumImages = Math.max(maxNumImages, imgs.size());
            atLeastOneImage |= !imgs.isEmpty();
        }
        // with a transform, the slots take the shape of its output (transformers stacks what it returns)
        int[] slot = {3, imageProcessor.imageSize(), imageProcessor.imageSize()};
        boolean shaped = false;
        Tensor[][] processed = new Tensor[rows][];
        for (int b = 0; b < rows; b++) {
            List<DecodedImage> imgs = allImages.get(b);
            int k = Math.min(Math.min(count(inputIds[b], imageTokenId), maxNumImages), imgs.size());
            processed[b] = new Tensor[k];
            for (int j = 0; j < k; j++) {
                Tensor t = options.transform() == null ? imageProcessor.preprocessImage(imgs.get(j))
                        : options.transform().apply(imgs.get(j));
                if (options.transform() != null) {
                    if (t == null || t.rank() != 3) {
                        throw new IllegalArgumentException("transform must return a [C, H, W] tensor, got " + t);
                    }
                    if (!shaped) {
                        slot = t.shape();
                        shaped = true;
                    } else if (!java.util.Arrays.equals(slot, t.shape())) {
                        throw new IllegalArgumentException("transform returned tensors of different shapes: "
                                + java.util.Arrays.toString(slot) + " and " + java.util.Arrays.toString(t.shape()));
                    }
                }
                processed[b][j] = t;
            }
        }
        int per = slot[0] * slot[1] * slot[2];
        float[] pixels = new float[Math.multiplyExact(Math.multiplyExact(rows, maxNumImages), per)];
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < processed[b].length; j++) {
                System.arraycopy(processed[b][j].data(), 0, pixels, (b * maxNumImages + j) * per, per);
            }
        }
        Tensor pixelValues = Tensor.of(pixels, rows, maxNumImages, slot[0], slot[1], slot[2]);

        // 4. image_attention_mask.
        int[][][] imageAttentionMask = atLeastOneImage
                ? imageAttentionMask(inputIds, maxNumImages, imageTokenId, tokenizer.eosTokenId())
                : new int[rows][length][1];

        if (debug != null) {
            for (int b = 0; b < rows; b++) {
                debug.println("input_ids[" + b + "]=" + Arrays.toString(inputIds[b]));
                debug.println("tokens[" + b + "]=" + pythonList(tokenizer.convertIdsToTokens(inputIds[b])));
            }
        }
        return new BatchFeature(inputIds, attentionMask, pixelValues, imageAttentionMask, !atLeastOneImage,
                List.copyOf(fullTexts));
    }

    /** A batch iff some element is a list (transformers' rule); then every element must be one. */
    private static List<List<?>> asBatch(List<?> prompts) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("prompts is empty");
        boolean batched = false;
        for (Object o : prompts) batched |= o instanceof List<?>;
        if (!batched) return List.of(prompts);
        List<List<?>> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            if (!(prompts.get(i) instanceof List<?> l))
                throw new IllegalArgumentException("prompts mixes lists and items: element " + i + " is not a list"
                        + " (give one prompt as a list of items, or a batch as a list of such lists)");
            out.add(l);
        }
        return out;
    }

    /** The prompt text of one sample (spec §13.2); its images are appended to {@code images}. */
    private String buildText(List<?> sample, int row, boolean batched, boolean addEou, boolean addEos,
                             List<DecodedImage> images) {
        // The model was trained on samples starting with the literal BOS string.
        StringBuilder text = new StringBuilder(tokenizer.bosToken());
        boolean lastWasImage = false, lastWasText = false;
        for (int i = 0; i < sample.size(); i++) {
            Object item = sample.get(i);
            String where = (batched ? "prompt " + row + ", " : "") + "item " + i;
            if (i > 0) lastWasText = !lastWasImage;
            if (item == null) throw new IllegalArgumentException(where + " is null");
            if (item instanceof String s) {
                // Only spaces are stripped (Python's strip(" ")): newlines and tabs are kept.
                String stripped = stripSpaces(s);
                if (ImageFetcher.isUrl(stripped)) {
                    images.add(fetch(stripped, where));
                    text.append(imageTokens(lastWasImage));
                    lastWasImage = true;
                } else {
                    // <end_of_utterance> between consecutive text items (not after the last one).
                    if (addEou && lastWasText) text.append(END_OF_UTTERANCE_TOKEN);
                    text.append(stripped);
                    lastWasImage = false;
                }
            } else {
                images.add(toImage(item, where));
                text.append(imageTokens(lastWasImage));
                lastWasImage = true;
            }
        }
        if (addEos) text.append(tokenizer.eosToken());
        return text.toString();
    }

    /** Consecutive images share the delimiter between them. */
    private static String imageTokens(boolean lastWasImage) {
        return lastWasImage ? IMAGE_TOKEN + FAKE_TOKEN_AROUND_IMAGE
                : FAKE_TOKEN_AROUND_IMAGE + IMAGE_TOKEN + FAKE_TOKEN_AROUND_IMAGE;
    }

    private DecodedImage toImage(Object item, String where) {
        if (item instanceof URI uri) return fetch(uri.toString(), where);
        if (!(item instanceof DecodedImage || item instanceof RgbImage || item instanceof BufferedImage
                || item instanceof byte[] || item instanceof Path || item instanceof File))
            throw new IllegalArgumentException(where + ": unsupported prompt item " + item.getClass().getName()
                    + " (expected String, DecodedImage, RgbImage, BufferedImage, byte[], Path, File or URI)");
        try {
            return imageProcessor.imageLoader().toImage(item);
        } catch (ImageDecodeException e) {
            throw new ImageDecodeException(where + ": " + e.getMessage(), e);
        }
    }

    private DecodedImage fetch(String url, String where) {
        if (!urlFetching)
            throw new ImageFetchException(url, where + " is a URL and URL fetching is switched off", null);
        byte[] data = imageFetcher.fetch(url);
        try {
            return imageProcessor.imageLoader().load(data, url);
        } catch (ImageDecodeException e) {
            throw new ImageFetchException(url, "downloaded data is not a usable image: " + e.getMessage(), e);
        }
    }

    private static String stripSpaces(String s) {
        int a = 0, b = s.length();
        while (a < b && s.charAt(a) == ' ') a++;
        while (b > a && s.charAt(b - 1) == ' ') b--;
        return s.substring(a, b);
    }

    /** transformers stacks the rows; with no (or too short) padding they cannot be stacked. */
    private static void checkEqualLengths(int[][] ids, CallOptions options) {
        for (int b = 1; b < ids.length; b++) {
            if (ids[b].length == ids[0].length) continue;
            int[] lengths = new int[ids.length];
            for (int i = 0; i < ids.length; i++) lengths[i] = ids[i].length;
            String hint = options.padding() == Padding.MAX_LENGTH
                    ? "a row is longer than max_length; pass truncation=true"
                    : "use padding=\"longest\" (the default) or \"max_length\"";
            throw new IllegalArgumentException("the prompts tokenize to different lengths " + Arrays.toString(lengths)
                    + " and padding=" + paddingName(options.padding()) + " cannot stack them: " + hint);
        }
    }

    private static String paddingName(Padding p) {
        return p == null ? "\"longest\"" : switch (p) {
            case DO_NOT_PAD -> "false";
            case LONGEST -> "\"longest\"";
            case MAX_LENGTH -> "\"max_length\"";
        };
    }

    private static int count(int[] ids, int id) {
        int n = 0;
        for (int x : ids) if (x == id) n++;
        return n;
    }

    // ------------------------------------------------------------------------------------------
    // image_attention_mask (transformers' image_attention_mask_for_packed_input_ids +
    // incremental_to_binary_attention_mask)

    /**
     * [B][L][N] one-hot of "the index of the most recent {@code <image>} at or before token t"
     * (spec §13.4). The counter runs on across {@code </s>}, but tokens after an EOS see no image
     * until the next {@code <image>} (packed documents must not see an earlier document's image);
     * the EOS token itself keeps its image. Indices ≥ N (an {@code <image>} typed as text, with no
     * image behind it) see none.
     */
    static int[][][] imageAttentionMask(int[][] inputIds, int numImages, int imageTokenId, int eosTokenId) {
        int[][][] out = new int[inputIds.length][][];
        for (int b = 0; b < inputIds.length; b++) {
            int[] ids = inputIds[b];
            int[][] row = new int[ids.length][numImages];
            int count = -1;
            boolean afterEos = false;
            for (int t = 0; t < ids.length; t++) {
                if (ids[t] == imageTokenId) {
                    count++;
                    afterEos = false;
                }
                int idx = afterEos ? -1 : count;
                if (ids[t] == eosTokenId) afterEos = true;
                if (idx >= 0 && idx < numImages) row[t][idx] = 1;
            }
            out[b] = row;
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // decode (forwarded to the tokenizer, as transformers does)

    public String decode(int[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    public List<String> batchDecode(int[][] ids, boolean skipSpecialTokens) {
        return tokenizer.batchDecode(ids, skipSpecialTokens);
    }

    // ------------------------------------------------------------------------------------------
    // debug printing in Python's notation (what transformers' print(f"{full_text=}") shows)

    static String pythonRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder(s.length() + 2).append(quote);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c == quote) sb.append('\\').append(c);
                    else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append(quote).toString();
    }

    private static String pythonList(List<String> items) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(pythonRepr(items.get(i)));
        }
        return sb.append(']').toString();
    }

    @Override
    public String toString() {
        return "IdeficsProcessor{tokenizer=" + tokenizer + ", imageProcessor=" + imageProcessor
                + ", urlFetching=" + urlFetching + "}";
    }
}
