package org.idefics4j.engine;

import java.util.Arrays;

/**
 * A dense float32 tensor on the Java heap, row-major. Activations, gradients and small parameters
 * live here; large weight matrices stay in their checkpoint storage ({@link StoredTensor}).
 * A tensor is a view: {@link #reshape} shares the data.
 */
public final class Tensor {
    private final float[] data;
    private final int[] shape;

    private Tensor(float[] data, int[] shape) {
        long n = numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " elements, data has " + data.length);
        }
        this.data = data;
        this.shape = shape.clone();
    }

    public static Tensor zeros(int... shape) {
        long n = numel(shape);
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " is too large for the heap");
        }
        return new Tensor(new float[(int) n], shape);
    }

    public static Tensor of(float[] data, int... shape) {
        return new Tensor(data, shape);
    }

    public static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= s;
        }
        return n;
    }

    public float[] data() {
        return data;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code d}; negative counts from the end. */
    public int dim(int d) {
        return shape[d < 0 ? shape.length + d : d];
    }

    public int numel() {
        return data.length;
    }

    /** Same data, another shape with the same element count (one dimension may be -1). */
    public Tensor reshape(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one dimension may be -1");
                infer = i;
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) s[infer] = (int) (data.length / Math.max(1, known));
        return new Tensor(data, s);
    }

    /** Whether this is a [d0, d1, d2] tensor (no allocation: used on hot paths). */
    public boolean hasShape(int d0, int d1, int d2) {
        return shape.length == 3 && shape[0] == d0 && shape[1] == d1 && shape[2] == d2;
    }

    /** Whether {@code other} has this shape (no allocation: used on hot paths). */
    public boolean sameShape(Tensor other) {
        return java.util.Arrays.equals(shape, other.shape);
    }

    /** Whether this has {@code like}'s shape with the last dimension replaced by {@code last}. */
    public boolean sameRowsAs(Tensor like, int last) {
        int r = shape.length;
        if (r != like.shape.length || shape[r - 1] != last) return false;
        for (int i = 0; i < r - 1; i++) if (shape[i] != like.shape[i]) return false;
        return true;
    }

    /** Zeros with {@code like}'s shape, the last dimension replaced by {@code last}. */
    public static Tensor zerosRowsOf(Tensor like, int last) {
        int[] s = like.shape.clone();
        s[s.length - 1] = last;
        return zeros(s);
    }

    /** Copies {@code src}'s elements into this tensor (same element count). */
    public void copyFrom(Tensor src) {
        if (src.data.length != data.length) throw new IllegalArgumentException("copy " + src + " into " + this);
        System.arraycopy(src.data, 0, data, 0, data.length);
    }

    public Tensor copy() {
        return new Tensor(data.clone(), shape);
    }

    public float get(int... idx) {
        return data[offset(idx)];
    }

    public void set(float v, int... idx) {
        data[offset(idx)] = v;
    }

    private int offset(int[] idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException("index of rank " + idx.length + " for tensor of rank " + shape.length);
        }
        int off = 0;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(idx) + " outside " + Arrays.toString(shape));
            }
            off = off * shape[i] + idx[i];
        }
        return off;
    }

    /** Elements [from, to) along the first dimension, copied. */
    public Tensor slice0(int from, int to) {
        int inner = shape.length == 0 ? 1 : data.length / Math.max(1, shape[0]);
        int[] s = shape.clone();
        s[0] = to - from;
        return new Tensor(Arrays.copyOfRange(data, from * inner, to * inner), s);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
