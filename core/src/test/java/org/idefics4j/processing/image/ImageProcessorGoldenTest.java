package org.idefics4j.processing.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.safetensors.SafetensorsFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every image of fixtures/image_processor against the HF + Pillow goldens (README "Image processor"). */
class ImageProcessorGoldenTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/image_processor");
    /** PNG: bit-exact expected; this slack only covers float operation order (fixtures README). */
    static final double PNG_TOL = 2e-6;
    /** JPEG with a decoder other than Pillow's libjpeg (fixtures README). */
    static final double JPEG_MAX_TOL = 0.1;
    static final double JPEG_MEAN_TOL = 0.01;

    static JsonNode caseJson;
    static SafetensorsFile expected;

    @BeforeAll
    static void open() throws Exception {
        caseJson = new ObjectMapper().readTree(DIR.resolve("case.json").toFile());
        expected = SafetensorsFile.open(DIR.resolve("expected.safetensors"));
    }

    @AfterAll
    static void close() {
        expected.close();
    }

    static byte[] u8(String name) {
        StoredTensor t = expected.get(name);
        byte[] b = new byte[(int) t.numel()];
        for (int i = 0; i < b.length; i++) b[i] = (byte) t.getFloat(i);
        return b;
    }

    static int countDiff(byte[] a, byte[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) if (a[i] != b[i]) n++;
        return n;
    }

    @TestFactory
    List<DynamicTest> everyGolden() {
        List<DynamicTest> tests = new ArrayList<>();
        IdeficsImageProcessor proc = new IdeficsImageProcessor();
        for (JsonNode im : caseJson.get("images")) {
            String file = im.get("file").asText();
            String stem = file.substring(0, file.lastIndexOf('.'));
            boolean jpeg = file.endsWith(".jpg");
            JsonNode tensors = im.get("tensors");
            tests.add(DynamicTest.dynamicTest(file + " decode", () -> {
                DecodedImage img = ImageLoader.defaults().load(DIR.resolve(file));
                assertEquals(im.get("width").asInt(), img.width());
                assertEquals(im.get("height").asInt(), img.height());
                assertEquals(im.get("mode_on_open").asText(), img.mode().pillowName(), "Pillow mode");
                if (tensors.has("rgb_uint8")) {
                    byte[] want = u8(stem + ".rgb_uint8");
                    byte[] got = img.toRgb().toBytes();
                    int diff = countDiff(want, got);
                    System.out.printf("[golden] %-26s rgb_uint8: %d of %d bytes differ%n", file, diff, want.length);
                    if (!jpeg) assertArrayEquals(want, got, "RGB conversion must be bit-exact");
                }
            }));
            for (int size : new int[]{224, 30}) {
                tests.add(DynamicTest.dynamicTest(file + " size " + size, () -> {
                    Path path = DIR.resolve(file);
                    Tensor got = proc.preprocess(List.of(path), null, size, null, null, null);
                    assertArrayEquals(new int[]{1, 3, size, size}, got.shape());
                    String pvName = tensors.has("pixel_values_" + size)
                            ? stem + ".pixel_values_" + size : stem + ".channels_last_pixel_values_" + size;
                    StoredTensor want = expected.get(pvName);
                    assertArrayEquals(new int[]{1, 3, size, size}, want.shape());
                    double max = 0, sum = 0;
                    for (int i = 0; i < got.numel(); i++) {
                        double d = Math.abs(got.data()[i] - want.getFloat(i));
                        max = Math.max(max, d);
                        sum += d;
                    }
                    double mean = sum / got.numel();
                    String resizedInfo = "";
                    if (tensors.has("resized_uint8_" + size)) {
                        byte[] wantR = u8(stem + ".resized_uint8_" + size);
                        byte[] gotR = ImageLoader.defaults().load(path).toRgb().resizeBicubic(size, size).toBytes();
                        int diff = countDiff(wantR, gotR);
                        resizedInfo = ", resized_uint8 bytes differing " + diff;
                        if (!jpeg) assertEquals(0, diff, "resized uint8 must be bit-exact");
                    }
                    System.out.printf("[golden] %-26s %3d: %s max abs diff %.3g, mean %.3g%s%n",
                            file, size, pvName.substring(stem.length() + 1), max, mean, resizedInfo);
                    if (jpeg) {
                        assertTrue(max <= JPEG_MAX_TOL, "JPEG max abs diff " + max);
                        assertTrue(mean <= JPEG_MEAN_TOL, "JPEG mean abs diff " + mean);
                    } else {
                        assertTrue(max <= PNG_TOL, "max abs diff " + max);
                    }
                }));
            }
        }
        return tests;
    }

    /** HF checked that a batched call equals the per-image results stacked; so must we. */
    @Test
    void batchedCallEqualsStackedSingles() {
        IdeficsImageProcessor proc = new IdeficsImageProcessor().withImageSize(30);
        List<Path> paths = new ArrayList<>();
        for (JsonNode im : caseJson.get("images")) paths.add(DIR.resolve(im.get("file").asText()));
        Tensor batch = proc.preprocess(paths);
        assertArrayEquals(new int[]{paths.size(), 3, 30, 30}, batch.shape());
        int per = 3 * 30 * 30;
        for (int i = 0; i < paths.size(); i++) {
            Tensor one = proc.preprocessImage(paths.get(i));
            for (int j = 0; j < per; j++) {
                assertEquals(one.data()[j], batch.data()[i * per + j], 0.0, paths.get(i) + " element " + j);
            }
        }
    }

    @Test
    void everyFixtureImageIsListed() throws Exception {
        List<String> listed = new ArrayList<>();
        for (JsonNode im : caseJson.get("images")) listed.add(im.get("file").asText());
        try (var files = Files.list(DIR)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".png") || n.endsWith(".jpg"))
                    .forEach(n -> assertTrue(listed.contains(n), n + " has no case entry"));
        }
    }
}
