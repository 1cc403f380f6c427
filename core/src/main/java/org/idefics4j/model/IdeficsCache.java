package org.idefics4j.model;

import org.idefics4j.engine.Tensor;

/**
 * What one request carries from step to step ({@code past_key_values} in transformers, plus what
 * transformers recomputes and we do not): the post-rotary keys and values of every decoder
 * self-attention, and the image keys/values of every gated cross-attention block, computed once
 * from the image hidden states at the first step. Belongs to one request; not thread-safe.
 */
public final class IdeficsCache {
    private final int batch;
    private final int width;
    private final float[][] keys;   // per layer: [B, capacity, width]
    private final float[][] values; // per layer: [B, capacity, width]
    private int[][] keyMask;        // [B][capacity]: 1 = real token, 0 = padding, for cached and current keys
    private int capacity;
    private int length;
    final Workspace workspace = Workspace.reusing();

    Tensor imageHiddenStates;               // [B, N, S, E]
    IdeficsCrossAttention.ImageKV[] imageKV; // per gated cross-attention block

    public IdeficsCache(int layers, int batch, int width, int initialCapacity) {
        this.batch = batch;
        this.width = width;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        this.capacity = Math.max(1, initialCapacity);
    }

    /** P: the number of positions already cached. */
    public int length() {
        return length;
    }

    public int batchSize() {
        return batch;
    }

    /** The image hidden states of the request [B, N, S, E] (null before the first step). */
    public Tensor imageHiddenStates() {
        return imageHiddenStates;
    }

    int capacity() {
        return capacity;
    }

    /** Makes room for {@code extra} more positions in every layer. */
    void reserve(int extra) {
        int need = length + extra;
        if (need <= capacity && keys[0] != null) return;
        int newCap = Math.max(need, capacity);
        if (need > capacity) newCap = Math.max(need, capacity * 2);
        for (int l = 0; l < keys.length; l++) {
            keys[l] = grow(keys[l], newCap);
            values[l] = grow(values[l], newCap);
        }
        int[][] km = new int[batch][newCap];
        if (keyMask != null) for (int b = 0; b < batch; b++) System.arraycopy(keyMask[b], 0, km[b], 0, length);
        keyMask = km;
        capacity = newCap;
    }

    /**
     * Records the padding mask of this step's {@code t} keys: {@code mask} rows hold either the
     * {@code t} new positions, or all P + t (transformers passes the whole mask every step).
     * Null means all real tokens. Returns the mask over every key, [B][≥ P + t].
     */
    int[][] updateKeyMask(int[][] mask, int t) {
        for (int b = 0; b < batch; b++) {
            int[] row = keyMask[b];
            if (mask == null) {
                java.util.Arrays.fill(row, length, length + t, 1);
                continue;
            }
            int len = mask[b].length;
            if (len == length + t) System.arraycopy(mask[b], 0, row, 0, len);
            else if (len == t) System.arraycopy(mask[b], 0, row, length, t);
            else {
                throw new IllegalArgumentException("attention_mask row " + b + " has length " + len
                        + ", expected the new tokens (" + t + ") or past + new (" + (length + t) + ")");
            }
        }
        return keyMask;
    }

    private float[] grow(float[] old, int newCap) {
        float[] n = new float[batch * newCap * width];
        if (old != null) {
            int oldCap = old.length / (batch * width);
            for (int b = 0; b < batch; b++) {
                System.arraycopy(old, b * oldCap * width, n, b * newCap * width, length * width);
            }
        }
        return n;
    }

    /** Writes layer {@code l}'s new keys/values [B, T, width] after the cached ones. */
    void write(int layer, Tensor k, Tensor v) {
        int t = k.dim(1);
        for (int b = 0; b < batch; b++) {
            System.arraycopy(k.data(), b * t * width, keys[layer], (b * capacity + length) * width, t * width);
            System.arraycopy(v.data(), b * t * width, values[layer], (b * capacity + length) * width, t * width);
        }
    }

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

    /** Commits the positions written by this step. */
    void advance(int t) {
        length += t;
    }

    /**
     * Reorders the batch rows (beam search): row r of the result is old row {@code rows[r]}. Image
     * keys/values are left alone: beams of one request share their images.
     */
    public void reorderRows(int[] rows) {
        if (rows.length != batch) throw new IllegalArgumentException("reorder needs " + batch + " rows");
        int[][] km = new int[batch][];
        for (int r = 0; r < batch; r++) km[r] = keyMask[rows[r]].clone();
        keyMask = km;
        int stride = capacity * width;
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] == null) continue;
            float[] k = new float[keys[l].length], v = new float[values[l].length];
            for (int r = 0; r < batch; r++) {
                System.arraycopy(keys[l], rows[r] * stride, k, r * stride, length * width);
                System.arraycopy(values[l], rows[r] * stride, v, r * stride, length * width);
            }
            keys[l] = k;
            values[l] = v;
        }
    }

    /** Layer {@code l}'s cached keys as transformers returns them: [B, heads, P, hd]. */
    public Tensor keyTensor(int layer, int heads) {
        return toHeads(keys[layer], heads);
    }

    /** Layer {@code l}'s cached values as [B, heads, P, hd]. */
    public Tensor valueTensor(int layer, int heads) {
        return toHeads(values[layer], heads);
    }

    private Tensor toHeads(float[] src, int heads) {
        int hd = width / heads;
        Tensor out = Tensor.zeros(batch, heads, length, hd);
        float[] o = out.data();
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int p = 0; p < length; p++)
                    System.arraycopy(src, (b * capacity + p) * width + h * hd, o, ((b * heads + h) * length + p) * hd, hd);
        return out;
    }
}
