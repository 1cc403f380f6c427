package org.idefics4j.processing.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.idefics4j.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdeficsImageProcessorTest {
    static final Path DIR = ImageProcessorGoldenTest.DIR;

    // ------------------------------------------------------------------ config

    @Test
    void fixtureConfigRoundTripsByteForByte(@TempDir Path tmp) throws Exception {
        IdeficsImageProcessor p = IdeficsImageProcessor.fromPretrained(DIR);
        assertEquals(224, p.imageSize());
        assertEquals(3, p.imageNumChannels());
        assertArrayEquals(IdeficsImageProcessor.IDEFICS_STANDARD_MEAN, p.imageMean());
        assertArrayEquals(IdeficsImageProcessor.IDEFICS_STANDARD_STD, p.imageStd());
        Path written = p.savePretrained(tmp);
        assertEquals(tmp.resolve("preprocessor_config.json"), written);
        assertEquals(Files.readString(DIR.resolve("preprocessor_config.json")), Files.readString(written));
        // The defaults are what HF writes as well.
        assertEquals(Files.readString(DIR.resolve("preprocessor_config.json")), new IdeficsImageProcessor().toJsonString());
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(written), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void unknownKeysAndChangesSurviveTheRoundTrip(@TempDir Path tmp) throws Exception {
        String json = """
                {"image_size": 30, "image_mean": [0.5, 0.25, 1e-05], "image_std": 0.5,
                 "processor_class": "IdeficsProcessor", "do_resize": true, "zeta": {"b": [1, 2.0], "a": null},
                 "note": "caf\u00e9"}""";
        Files.writeString(tmp.resolve("preprocessor_config.json"), json);
        IdeficsImageProcessor p = IdeficsImageProcessor.fromPretrained(tmp);
        assertEquals(30, p.imageSize());
        assertArrayEquals(new double[]{0.5, 0.25, 1e-05}, p.imageMean());
        assertArrayEquals(new double[]{0.5}, p.imageStd());
        assertEquals(3, p.imageNumChannels()); // default when absent
        Path out = tmp.resolve("saved");
        p.savePretrained(out);
        String expected = """
                {
                  "do_resize": true,
                  "image_mean": [
                    0.5,
                    0.25,
                    1e-05
                  ],
                  "image_num_channels": 3,
                  "image_processor_type": "IdeficsImageProcessor",
                  "image_size": 30,
                  "image_std": [
                    0.5
                  ],
                  "note": "caf\\u00e9",
                  "processor_class": "IdeficsProcessor",
                  "zeta": {
                    "a": null,
                    "b": [
                      1,
                      2.0
                    ]
                  }
                }
                """;
        assertEquals(expected, Files.readString(out.resolve("preprocessor_config.json")));
        IdeficsImageProcessor again = IdeficsImageProcessor.fromPretrained(out.resolve("preprocessor_config.json"));
        assertEquals(p.toJsonString(), again.toJsonString());
        assertEquals(p.extraConfig().keySet(), again.extraConfig().keySet());
    }

    @Test
    void pythonFloatRepr() {
        assertEquals("0.48145466", PythonJson.floatRepr(0.48145466));
        assertEquals("224.0", PythonJson.floatRepr(224.0));
        assertEquals("1e-05", PythonJson.floatRepr(1e-5));
        assertEquals("0.0001", PythonJson.floatRepr(1e-4));
        assertEquals("1e+16", PythonJson.floatRepr(1e16));
        assertEquals("1234567890123456.8", PythonJson.floatRepr(1234567890123456.8));
        assertEquals("-2.5e-07", PythonJson.floatRepr(-2.5e-7));
        assertEquals("0.1", PythonJson.floatRepr(0.1));
        assertEquals("-0.0", PythonJson.floatRepr(-0.0));
    }

    @Test
    void badConfigsFailClearly(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("preprocessor_config.json");
        Files.writeString(f, "{\"image_size\": \"big\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdeficsImageProcessor.fromPretrained(tmp));
        assertTrue(e.getMessage().contains("image_size"), e.getMessage());
        Files.writeString(f, "{\"image_mean\": [0.1, 0.2]}");
        e = assertThrows(IllegalArgumentException.class, () -> IdeficsImageProcessor.fromPretrained(f));
        assertTrue(e.getMessage().contains("image_mean"), e.getMessage());
        Files.writeString(f, "{\"image_processor_type\": \"CLIPImageProcessor\"}");
        e = assertThrows(IllegalArgumentException.class, () -> IdeficsImageProcessor.fromPretrained(f));
        assertTrue(e.getMessage().contains("CLIPImageProcessor"), e.getMessage());
        Files.writeString(f, "{not json");
        assertThrows(IllegalArgumentException.class, () -> IdeficsImageProcessor.fromPretrained(f));
        e = assertThrows(IllegalArgumentException.class, () -> IdeficsImageProcessor.fromPretrained(tmp.resolve("nope")));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    // ------------------------------------------------------------------ preprocessing options

    @Test
    void perCallOverridesEqualInstanceSettings() {
        Path img = DIR.resolve("small_noise_17x9.png");
        IdeficsImageProcessor base = new IdeficsImageProcessor();
        double[] mean = {0.1, 0.2, 0.3};
        double[] std = {0.9, 0.8, 0.7};
        Tensor a = base.preprocess(List.of(img), 16, mean, std);
        Tensor b = base.withImageSize(16).withImageMean(mean).withImageStd(std).preprocess(img);
        assertArrayEquals(new int[]{1, 3, 16, 16}, a.shape());
        assertArrayEquals(a.data(), b.data());
        // Check the formula on one element: (float(u8 * (1/255)) - float(mean)) / float(std).
        RgbImage resized = ImageLoader.defaults().load(img).toRgb().resizeBicubic(16, 16);
        int u = resized.get(5, 7, 2);
        float v = (float) (u * (1.0 / 255.0));
        assertEquals((v - (float) 0.3) / (float) 0.7, a.data()[2 * 256 + 7 * 16 + 5], 0.0f);
        // A single mean/std value is broadcast over the channels.
        Tensor c = base.preprocess(List.of(img), 16, new double[]{0.5}, new double[]{0.5});
        Tensor d = base.preprocess(List.of(img), 16, new double[]{0.5, 0.5, 0.5}, new double[]{0.5, 0.5, 0.5});
        assertArrayEquals(c.data(), d.data());
    }

    @Test
    void allInputKindsGiveTheSameResult() throws Exception {
        Path path = DIR.resolve("rgba_transparent_64x48.png");
        IdeficsImageProcessor p = new IdeficsImageProcessor().withImageSize(30);
        Tensor ref = p.preprocess(path);
        DecodedImage decoded = ImageLoader.defaults().load(path);
        for (Object input : List.of(path.toFile(), Files.readAllBytes(path), decoded, decoded.toRgb(),
                decoded.toBufferedImage())) {
            assertArrayEquals(ref.data(), p.preprocess(input).data(), input.getClass().getSimpleName());
        }
        assertArrayEquals(ref.data(), p.preprocessImage(path).data());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.preprocess(List.of("x.png")));
        assertTrue(e.getMessage().contains("java.lang.String"), e.getMessage());
    }

    @Test
    void emptyListGivesAnEmptyBatch() {
        Tensor t = new IdeficsImageProcessor().preprocess(List.of());
        assertArrayEquals(new int[]{0, 3, 224, 224}, t.shape());
    }

    @Test
    void transformReplacesTheStandardSteps() {
        List<Path> imgs = List.of(DIR.resolve("tiny_2x2.png"), DIR.resolve("gray_L_50x70.png"));
        // A user transform sees the decoded image (mode and size) and its output is stacked as is.
        Tensor t = new IdeficsImageProcessor().preprocess(imgs,
                img -> Tensor.of(new float[]{img.width(), img.height(), img.mode().ordinal()}, 3));
        assertArrayEquals(new int[]{2, 3}, t.shape());
        assertArrayEquals(new float[]{2, 2, DecodedImage.Mode.RGB.ordinal(), 50, 70, DecodedImage.Mode.L.ordinal()}, t.data());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new IdeficsImageProcessor()
                .preprocess(imgs, img -> Tensor.zeros(img.width())));
        assertTrue(e.getMessage().contains("equal shapes"), e.getMessage());
    }

    // ------------------------------------------------------------------ degenerate sizes

    /** Channels-last semantics for thin images: a horizontal gradient stays one, per channel. */
    @Test
    void thinImagesAreProcessedChannelsLast() {
        IdeficsImageProcessor p = new IdeficsImageProcessor().withImageSize(30);
        for (int[] wh : new int[][]{{1, 1}, {1, 7}, {7, 1}, {5, 3}, {3, 3}, {1, 3}, {3, 1}}) {
            int w = wh[0], h = wh[1];
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) img.setRGB(x, y, 0xC80000 | (40 * x) << 8 | 17);
            }
            Tensor t = p.preprocess(img);
            assertArrayEquals(new int[]{1, 3, 30, 30}, t.shape());
            float[] d = t.data();
            for (int y = 0; y < 30; y++) {
                for (int x = 0; x < 30; x++) {
                    // R constant 200, B constant 17: resampling a constant gives the constant.
                    assertEquals(expect(200, 0), d[y * 30 + x], 0f, w + "x" + h);
                    assertEquals(expect(17, 2), d[2 * 900 + y * 30 + x], 0f, w + "x" + h);
                    // G varies along x only: every output row is the same.
                    assertEquals(d[900 + x], d[900 + y * 30 + x], 0f, w + "x" + h);
                }
            }
        }
    }

    static float expect(int u8, int c) {
        float v = (float) (u8 * (1.0 / 255.0));
        return (v - (float) IdeficsImageProcessor.IDEFICS_STANDARD_MEAN[c]) / (float) IdeficsImageProcessor.IDEFICS_STANDARD_STD[c];
    }

    @Test
    void resizeSameSizeIsACopyAndOneAxisPassesAlone() {
        byte[] px = new byte[5 * 4 * 3];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 37);
        RgbImage img = RgbImage.of(5, 4, px);
        assertArrayEquals(px, img.resizeBicubic(5, 4).toBytes());
        // Width unchanged: only the vertical pass runs, so columns resample independently.
        RgbImage tall = img.resizeBicubic(5, 9);
        RgbImage column = RgbImage.of(1, 4, new byte[]{px[3 * 2], px[3 * 2 + 1], px[3 * 2 + 2], px[15 + 6], px[15 + 7],
                px[15 + 8], px[30 + 6], px[30 + 7], px[30 + 8], px[45 + 6], px[45 + 7], px[45 + 8]}).resizeBicubic(1, 9);
        for (int y = 0; y < 9; y++) {
            for (int c = 0; c < 3; c++) assertEquals(column.get(0, y, c), tall.get(2, y, c));
        }
    }

    @Test
    void weightsAreNormalisedFixedPoint() {
        for (int[] io : new int[][]{{97, 224}, {640, 224}, {640, 30}, {1, 224}, {17, 30}, {480, 224}}) {
            PillowResample.Coeffs k = PillowResample.coefficients(io[0], io[1]);
            for (int o = 0; o < io[1]; o++) {
                long sum = 0;
                for (int x = 0; x < k.bounds[o * 2 + 1]; x++) sum += k.weights[o * k.ksize + x];
                // Each weight rounds separately, so the sum is 2^22 within the tap count.
                assertTrue(Math.abs(sum - (1 << 22)) <= k.bounds[o * 2 + 1], io[0] + "->" + io[1] + " o=" + o);
                assertTrue(k.bounds[o * 2] >= 0 && k.bounds[o * 2] + k.bounds[o * 2 + 1] <= io[0]);
            }
        }
    }

    @Test
    void configObjectApi() throws Exception {
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree("{\"image_size\": 64, \"image_num_channels\": 3}");
        IdeficsImageProcessor p = IdeficsImageProcessor.fromConfig(cfg);
        assertEquals(64, p.imageSize());
        assertEquals(64, p.toConfig().get("image_size").intValue());
        assertEquals("IdeficsImageProcessor", p.toConfig().get("image_processor_type").asText());
    }
}
