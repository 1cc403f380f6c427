package org.idefics4j.processing.tokenizer;

import java.util.Arrays;

/**
 * Open-addressing map from a token-id pair to (rank, merged id), packed into longs. The BPE inner
 * loop looks pairs up several times per merge, so it avoids boxing and {@code HashMap} nodes.
 */
final class PairMap {
    private static final long EMPTY = -1L; // (0xFFFFFFFF, 0xFFFFFFFF): never a pair of non-negative ids
    private long[] keys;
    private long[] values;
    private int size;
    private int mask;

    PairMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
        keys = new long[cap];
        values = new long[cap];
        Arrays.fill(keys, EMPTY);
        mask = cap - 1;
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xffffffffL);
    }

    private static int hash(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return (int) k;
    }

    /** Inserts or replaces (later merges with the same pair win, as in Hugging Face's loader). */
    void put(int left, int right, int rank, int mergedId) {
        if ((size + 1) * 2 > keys.length) grow();
        long k = key(left, right);
        int i = hash(k) & mask;
        while (keys[i] != EMPTY && keys[i] != k) i = (i + 1) & mask;
        if (keys[i] == EMPTY) size++;
        keys[i] = k;
        values[i] = ((long) rank << 32) | (mergedId & 0xffffffffL);
    }

    /** (rank &lt;&lt; 32 | merged id), or -1 when the pair does not merge. */
    long get(int left, int right) {
        long k = key(left, right);
        int i = hash(k) & mask;
        while (true) {
            long cur = keys[i];
            if (cur == k) return values[i];
            if (cur == EMPTY) return -1L;
            i = (i + 1) & mask;
        }
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] oldK = keys, oldV = values;
        keys = new long[oldK.length * 2];
        values = new long[oldK.length * 2];
        Arrays.fill(keys, EMPTY);
        mask = keys.length - 1;
        for (int j = 0; j < oldK.length; j++) {
            if (oldK[j] == EMPTY) continue;
            int i = hash(oldK[j]) & mask;
            while (keys[i] != EMPTY) i = (i + 1) & mask;
            keys[i] = oldK[j];
            values[i] = oldV[j];
        }
    }
}
