package org.idefics4j.cli;

import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.safetensors.SafetensorsFile;

/** Reads named input tensors of a safetensors file as the model's argument types, checking ranks and dtypes. */
final class InputTensors {
    private InputTensors() {
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
