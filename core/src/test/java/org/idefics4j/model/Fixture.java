package org.idefics4j.model;

import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.safetensors.SafetensorsFile;

import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One golden case of the fixtures (copied from Hugging Face's reference run into test resources). */
public final class Fixture {
    public static final String[] MODEL_CASES = {
            "tiny_default", "resampler_qknorm_vector_interval2_addvocab", "custom_freeze_quickgelu",
            "all_trainable_interval2_no_image_row", "bf16_sharded_legacy_keys"};

    public final String name;
    public final Path dir;
    public final SafetensorsFile inputs;
    public final SafetensorsFile expected;

    public Fixture(String name) {
        this.name = name;
        this.dir = root().resolve(name);
        this.inputs = SafetensorsFile.openAuto(dir.resolve("inputs.safetensors"));
        this.expected = SafetensorsFile.openAuto(dir.resolve("expected.safetensors"));
    }

    public static Path root() {
        try {
            return Path.of(Fixture.class.getResource("/fixtures/README.md").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path modelDir() {
        return dir.resolve("model");
    }

    public Tensor in(String name) {
        return inputs.get(name).toTensor();
    }

    public boolean hasIn(String name) {
        return inputs.contains(name);
    }

    public Tensor exp(String name) {
        return expected.get(name).toTensor();
    }

    public int[][] ints2(String name) {
        return ints2(inputs.get(name));
    }

    public static int[][] ints2(StoredTensor t) {
        int[] flat = t.toIntArray();
        int b = t.dim(0), n = t.dim(1);
        int[][] out = new int[b][n];
        for (int i = 0; i < b; i++) System.arraycopy(flat, i * n, out[i], 0, n);
        return out;
    }

    public int[][][] ints3(String name) {
        StoredTensor t = inputs.get(name);
        int[] flat = t.toIntArray();
        int b = t.dim(0), n = t.dim(1), m = t.dim(2);
        int[][][] out = new int[b][n][m];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < n; j++) System.arraycopy(flat, (i * n + j) * m, out[i][j], 0, m);
        return out;
    }

    /** max |a − e| over the rows whose attention mask is 1 ([B, T, ...] tensors). */
    public static double maxDiffValidRows(Tensor actual, Tensor expected, int[][] mask) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        int b = actual.dim(0), t = actual.dim(1), inner = actual.numel() / (b * t);
        double max = 0;
        for (int i = 0; i < b; i++)
            for (int j = 0; j < t; j++) {
                if (mask != null && mask[i][mask[i].length - t + j] == 0) continue;
                for (int k = 0; k < inner; k++) {
                    int idx = (i * t + j) * inner + k;
                    double d = Math.abs(actual.data()[idx] - expected.data()[idx]);
                    if (!(d <= max)) max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                }
            }
        return max;
    }

    public static double maxDiff(Tensor actual, Tensor expected) {
        return maxDiffValidRows(actual.reshape(1, 1, -1), expected.reshape(1, 1, -1), null);
    }

    public static void assertClose(double diff, double tol, String what) {
        assertTrue(diff <= tol, what + ": max abs diff " + diff + " > tolerance " + tol);
    }
}
