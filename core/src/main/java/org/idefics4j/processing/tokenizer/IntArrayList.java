package org.idefics4j.processing.tokenizer;

import java.util.Arrays;

/** Growable int array; the encoder emits ids into one without boxing. */
final class IntArrayList {
    private int[] data;
    private int size;

    IntArrayList(int capacity) {
        data = new int[Math.max(4, capacity)];
    }

    void add(int v) {
        if (size == data.length) data = Arrays.copyOf(data, data.length * 2);
        data[size++] = v;
    }

    void addAll(IntArrayList other) {
        for (int i = 0; i < other.size; i++) add(other.data[i]);
    }

    int get(int i) {
        return data[i];
    }

    int size() {
        return size;
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
