package org.idefics4j.cli;

import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.safetensors.SafetensorsFile;
import org.idefics4j.model.IdeficsInputs;

import java.nio.file.Path;
import java.util.Set;

/** Reads named input tensors of a safetensors file as the model's argument types, checking ranks and dtypes. */
final class InputTensors {
    private InputTensors() {
    }

    /**
     * The forward arguments stored in {@code file} under their transformers names; any other name is
     * an error (a typo would otherwise be silently ignored). {@code input_ids} is required.
     */
    static IdeficsInputs read(Path file, Set<String> allowed) {
        IdeficsInputs in = new IdeficsInputs();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.tensors().keySet()) {
                if (!allowed.contains(name)) {
                    throw new IllegalArgumentException(file + ": unknown input tensor '" + name + "' (expected some of "
                            + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
            }
            in.inputIds = ints2(f, "input_ids");
            in.attentionMask = ints2(f, "attention_mask");
            in.positionIds = ints2(f, "position_ids");
            in.labels = ints2(f, "labels");
            in.imageAttentionMask = ints3(f, "image_attention_mask");
            in.pixelValues = floats(f, "pixel_values", 5);
            in.imageEncoderEmbeddings = floats(f, "image_encoder_embeddings", 4);
            in.perceiverEmbeddings = floats(f, "perceiver_embeddings", 4);
        }
        if (in.inputIds == null) throw new IllegalArgumentException(file + ": input_ids is required");
        return in;
    }

    static StoredTensor get(SafetensorsFile f, String name, int rank) {
        if (!f.contains(name)) return null;
        StoredTensor t = f.get(name);
        if (t.rank() != rank) {
            throw new IllegalArgumentException(f.path() + ": '" + name + "' must have " + rank + " dimensions, has shape "
                    + java.util.Arrays.toString(t.shape()));
        }
        return t;
    }

    static int[][] ints2(SafetensorsFile f, String name) {
        StoredTensor t = get(f, name, 2);
        if (t == null) return null;
        int[] flat = t.toIntArray();
        int[][] out = new int[t.dim(0)][t.dim(1)];
        for (int i = 0; i < out.length; i++) System.arraycopy(flat, i * t.dim(1), out[i], 0, t.dim(1));
        return out;
    }

    static int[][][] ints3(SafetensorsFile f, String name) {
        StoredTensor t = get(f, name, 3);
        if (t == null) return null;
        int[] flat = t.toIntArray();
        int b = t.dim(0), n = t.dim(1), m = t.dim(2);
        int[][][] out = new int[b][n][m];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < n; j++) System.arraycopy(flat, (i * n + j) * m, out[i][j], 0, m);
        return out;
    }

    static Tensor floats(SafetensorsFile f, String name, int rank) {
        StoredTensor t = get(f, name, rank);
        if (t == null) return null;
        if (!t.dtype().isFloating()) {
            throw new IllegalArgumentException(f.path() + ": '" + name + "' must be a floating-point tensor, is " + t.dtype());
        }
        return t.toTensor();
    }
}
