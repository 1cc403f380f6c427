package org.idefics4j.processing.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Hugging Face's {@code IdeficsImageProcessor} (transformers v4.34–v4.44; spec §12): RGB conversion
 * with white compositing, Pillow BICUBIC resize to a square, rescale by 1/255, normalise, channels
 * first. Bit-exact with transformers + Pillow for the same decoded pixels. Immutable and thread-safe.
 *
 * <p>Inputs may be {@link DecodedImage}, {@link RgbImage}, {@link java.awt.image.BufferedImage},
 * {@link Path}, {@link java.io.File} or {@code byte[]} (decoded with {@link #imageLoader()}).
 *
 * <p>Deliberate difference from HF: HF infers the channel axis from the array shape, so an image 1 or
 * 3 pixels high is misread as channels-first (a 1×1 image makes HF raise). Here images are always
 * channels-last, which is what the steps mean (spec §15 item 19).
 */
public final class IdeficsImageProcessor {
    /** {@code IDEFICS_STANDARD_MEAN} (the OpenAI CLIP constants). */
    public static final double[] IDEFICS_STANDARD_MEAN = {0.48145466, 0.4578275, 0.40821073};
    /** {@code IDEFICS_STANDARD_STD}. */
    public static final double[] IDEFICS_STANDARD_STD = {0.26862954, 0.26130258, 0.27577711};
    public static final String CONFIG_NAME = "preprocessor_config.json";
    public static final String IMAGE_PROCESSOR_TYPE = "IdeficsImageProcessor";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> KNOWN_KEYS =
            List.of("image_size", "image_mean", "image_std", "image_num_channels", "image_processor_type");

    private final int imageSize;
    private final int imageNumChannels;
    private final double[] imageMean;
    private final double[] imageStd;
    private final Map<String, JsonNode> extra; // unknown config keys, kept for the round trip
    private final ImageLoader loader;

    /** The defaults: 224, 3 channels, IDEFICS standard mean/std. */
    public IdeficsImageProcessor() {
        this(224, 3, IDEFICS_STANDARD_MEAN, IDEFICS_STANDARD_STD);
    }

    public IdeficsImageProcessor(int imageSize, int imageNumChannels, double[] imageMean, double[] imageStd) {
        this(imageSize, imageNumChannels, imageMean, imageStd, Map.of(), ImageLoader.defaults());
    }

    private IdeficsImageProcessor(int imageSize, int imageNumChannels, double[] imageMean, double[] imageStd,
                                  Map<String, JsonNode> extra, ImageLoader loader) {
        checkSize(imageSize);
        if (imageNumChannels <= 0) throw new IllegalArgumentException("image_num_channels must be positive");
        this.imageSize = imageSize;
        this.imageNumChannels = imageNumChannels;
        this.imageMean = checkStats("image_mean", imageMean);
        this.imageStd = checkStats("image_std", imageStd);
        this.extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        this.loader = Objects.requireNonNull(loader, "loader");
    }

    private static void checkSize(int s) {
        if (s <= 0) throw new IllegalArgumentException("image_size must be positive, got " + s);
    }

    /** Mean/std: one value (broadcast) or one per RGB channel, as HF's normalize accepts. */
    private static double[] checkStats(String name, double[] v) {
        Objects.requireNonNull(v, name);
        if (v.length != 1 && v.length != 3) {
            throw new IllegalArgumentException(name + " must have 1 or 3 elements (RGB), got " + v.length);
        }
        return v.clone();
    }

    // ------------------------------------------------------------------ accessors and withers

    public int imageSize() {
        return imageSize;
    }

    /**
     * Stored and saved like HF's attribute; like HF, preprocessing ignores it (the RGB conversion
     * always yields 3 channels).
     */
    public int imageNumChannels() {
        return imageNumChannels;
    }

    public double[] imageMean() {
        return imageMean.clone();
    }

    public double[] imageStd() {
        return imageStd.clone();
    }

    public ImageLoader imageLoader() {
        return loader;
    }

    /** Unknown keys read from a config file (written back unchanged by {@link #savePretrained}). */
    public Map<String, JsonNode> extraConfig() {
        return extra;
    }

    public IdeficsImageProcessor withImageSize(int size) {
        return new IdeficsImageProcessor(size, imageNumChannels, imageMean, imageStd, extra, loader);
    }

    public IdeficsImageProcessor withImageMean(double... mean) {
        return new IdeficsImageProcessor(imageSize, imageNumChannels, mean, imageStd, extra, loader);
    }

    public IdeficsImageProcessor withImageStd(double... std) {
        return new IdeficsImageProcessor(imageSize, imageNumChannels, imageMean, std, extra, loader);
    }

    public IdeficsImageProcessor withImageNumChannels(int n) {
        return new IdeficsImageProcessor(imageSize, n, imageMean, imageStd, extra, loader);
    }

    /** Decoding settings (pixel limit, EXIF orientation) for Path / File / byte[] inputs. */
    public IdeficsImageProcessor withImageLoader(ImageLoader imageLoader) {
        return new IdeficsImageProcessor(imageSize, imageNumChannels, imageMean, imageStd, extra, imageLoader);
    }

    // ------------------------------------------------------------------ preprocessing

    /** {@code preprocess(images)} with the instance settings → float32 {@code [n, 3, size, size]}. */
    public Tensor preprocess(List<?> images) {
        return preprocess(images, null, null, null, null, null);
    }

    /** A single image (HF wraps it into a list) → {@code [1, 3, size, size]}. */
    public Tensor preprocess(Object image) {
        if (image instanceof List<?> list) return preprocess(list);
        return preprocess(List.of(Objects.requireNonNull(image, "image")));
    }

    /** Per-call overrides; {@code null} means the instance value. */
    public Tensor preprocess(List<?> images, Integer imageSize, double[] imageMean, double[] imageStd) {
        return preprocess(images, null, imageSize, imageMean, imageStd, null);
    }

    /**
     * HF's {@code transform} argument (e.g. a training augmentation): applied to each decoded image
     * instead of all standard steps; the results must have equal shapes and are stacked.
     */
    public Tensor preprocess(List<?> images, Function<? super DecodedImage, Tensor> transform) {
        return preprocess(images, null, null, null, null, transform);
    }

    /**
     * The full HF signature: {@code preprocess(images, image_num_channels, image_size, image_mean,
     * image_std, transform)}; every {@code null} falls back to the instance value.
     * An empty list gives a {@code [0, 3, size, size]} tensor (HF returns an empty list).
     */
    public Tensor preprocess(List<?> images, Integer imageNumChannels, Integer imageSize, double[] imageMean,
                             double[] imageStd, Function<? super DecodedImage, Tensor> transform) {
        Objects.requireNonNull(images, "images");
        int size = imageSize != null ? imageSize : this.imageSize;
        checkSize(size);
        float[] mean = toFloat(imageMean != null ? checkStats("image_mean", imageMean) : this.imageMean);
        float[] std = toFloat(imageStd != null ? checkStats("image_std", imageStd) : this.imageStd);
        // imageNumChannels is accepted for signature parity and, as in HF, not used.
        int n = images.size();
        if (transform != null) return stackTransformed(images, transform);
        if (n == 0) return Tensor.zeros(0, 3, size, size);
        int per = 3 * size * size;
        float[] out = new float[Math.multiplyExact(n, per)];
        for (int i = 0; i < n; i++) {
            RgbImage rgb = loader.toImage(images.get(i)).toRgb();
            pixelValues(rgb, size, mean, std, out, i * per);
        }
        return Tensor.of(out, n, 3, size, size);
    }

    /** One image → {@code [3, size, size]} with the instance settings (for callers that batch themselves). */
    public Tensor preprocessImage(Object image) {
        RgbImage rgb = loader.toImage(image).toRgb();
        float[] out = new float[3 * imageSize * imageSize];
        pixelValues(rgb, imageSize, toFloat(imageMean), toFloat(imageStd), out, 0);
        return Tensor.of(out, 3, imageSize, imageSize);
    }

    private Tensor stackTransformed(List<?> images, Function<? super DecodedImage, Tensor> transform) {
        if (images.isEmpty()) return Tensor.zeros(0);
        int[] shape = null;
        float[] out = null;
        int per = 0;
        for (int i = 0; i < images.size(); i++) {
            Tensor t = transform.apply(loader.toImage(images.get(i)));
            if (t == null) throw new IllegalStateException("transform returned null for image " + i);
            if (shape == null) {
                shape = t.shape();
                per = t.numel();
                out = new float[Math.multiplyExact(per, images.size())];
            } else if (!Arrays.equals(shape, t.shape())) {
                throw new IllegalStateException("transform results must have equal shapes: image 0 gave "
                        + Arrays.toString(shape) + ", image " + i + " gave " + Arrays.toString(t.shape()));
            }
            System.arraycopy(t.data(), 0, out, i * per, per);
        }
        int[] stacked = new int[shape.length + 1];
        stacked[0] = images.size();
        System.arraycopy(shape, 0, stacked, 1, shape.length);
        return Tensor.of(out, stacked);
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[3];
        for (int c = 0; c < 3; c++) f[c] = (float) v[v.length == 1 ? 0 : c];
        return f;
    }

    /** The double constant HF multiplies by ({@code 1/255} in Python). */
    private static final double RESCALE = 1.0 / 255.0;

    /**
     * Resize (Pillow BICUBIC) + rescale + normalise + channels-first into {@code out[off ..]}.
     * The arithmetic order is HF's: {@code float32(u8 · (1/255))} in double, then
     * {@code (v − mean_f32) / std_f32} in float32.
     */
    static void pixelValues(RgbImage rgb, int size, float[] mean, float[] std, float[] out, int off) {
        byte[] px = PillowResample.bicubic(rgb.bytes(), rgb.width(), rgb.height(), 3, size, size);
        // A lookup table per channel: the map u8 → float is exact and identical for every pixel.
        float[][] lut = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int u = 0; u < 256; u++) {
                float v = (float) (u * RESCALE);
                lut[c][u] = (v - mean[c]) / std[c];
            }
        }
        int plane = size * size;
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                out[off + c * plane + i] = lut[c][px[i * 3 + c] & 0xff];
            }
        }
    }

    // ------------------------------------------------------------------ config files

    /**
     * Reads {@code preprocessor_config.json} from a model folder (or the file itself). Missing keys
     * take the defaults; unknown keys are kept and written back by {@link #savePretrained}.
     */
    public static IdeficsImageProcessor fromPretrained(Path folderOrFile) {
        Path file = Files.isDirectory(folderOrFile) ? folderOrFile.resolve(CONFIG_NAME) : folderOrFile;
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object");
        }
        try {
            return fromConfig((ObjectNode) root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Builds a processor from a parsed config object (same rules as {@link #fromPretrained}). */
    public static IdeficsImageProcessor fromConfig(ObjectNode cfg) {
        Objects.requireNonNull(cfg, "cfg");
        JsonNode type = cfg.get("image_processor_type");
        if (type != null && !type.isNull() && !IMAGE_PROCESSOR_TYPE.equals(type.asText())) {
            throw new IllegalArgumentException("image_processor_type is " + type + ", expected \""
                    + IMAGE_PROCESSOR_TYPE + "\"");
        }
        int size = cfg.has("image_size") ? intValue(cfg, "image_size") : 224;
        int channels = cfg.has("image_num_channels") ? intValue(cfg, "image_num_channels") : 3;
        double[] mean = cfg.has("image_mean") ? stats(cfg, "image_mean") : IDEFICS_STANDARD_MEAN;
        double[] std = cfg.has("image_std") ? stats(cfg, "image_std") : IDEFICS_STANDARD_STD;
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : cfg.properties()) {
            if (!KNOWN_KEYS.contains(e.getKey())) extra.put(e.getKey(), e.getValue().deepCopy());
        }
        return new IdeficsImageProcessor(size, channels, mean, std, extra, ImageLoader.defaults());
    }

    private static int intValue(JsonNode cfg, String key) {
        JsonNode v = cfg.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(key + " must be an integer, got " + v);
        }
        return v.intValue();
    }

    private static double[] stats(JsonNode cfg, String key) {
        JsonNode v = cfg.get(key);
        if (v.isNumber()) return new double[]{v.doubleValue()};
        if (!v.isArray()) throw new IllegalArgumentException(key + " must be a number or a list, got " + v);
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isNumber()) throw new IllegalArgumentException(key + " must hold numbers, got " + v);
            out[i] = v.get(i).doubleValue();
        }
        return out;
    }

    /** The config as HF's {@code to_dict} (known keys + kept unknown keys). */
    public ObjectNode toConfig() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : extra.entrySet()) o.set(e.getKey(), e.getValue().deepCopy());
        ArrayNode mean = o.putArray("image_mean");
        for (double v : imageMean) mean.add(v);
        o.put("image_num_channels", imageNumChannels);
        o.put("image_processor_type", IMAGE_PROCESSOR_TYPE);
        o.put("image_size", imageSize);
        ArrayNode std = o.putArray("image_std");
        for (double v : imageStd) std.add(v);
        return o;
    }

    /** The JSON text HF writes ({@code json.dumps(indent=2, sort_keys=True) + "\n"}). */
    public String toJsonString() {
        return PythonJson.dumps(toConfig()) + "\n";
    }

    /** Writes {@code preprocessor_config.json} into {@code folder} atomically (temp file + rename). */
    public Path savePretrained(Path folder) {
        Path file = folder.resolve(CONFIG_NAME);
        SafetensorsWriter.writeTextAtomically(file, toJsonString());
        return file;
    }

    @Override
    public String toString() {
        return "IdeficsImageProcessor[size=" + imageSize + ", mean=" + Arrays.toString(imageMean)
                + ", std=" + Arrays.toString(imageStd) + "]";
    }
}
