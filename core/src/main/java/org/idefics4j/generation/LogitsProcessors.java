package org.idefics4j.generation;

import java.util.Arrays;
import java.util.List;

/**
 * The next-token score rules of transformers' generate, applied to one row's scores in place, in
 * transformers' order: repetition penalty → no-repeat n-grams → bad words → min length → min new
 * tokens; for sampling then temperature → top-k → top-p.
 */
final class LogitsProcessors {
    private LogitsProcessors() {
    }

    /**
     * @param scores    [V] scores of the next token, modified in place
     * @param seq       the row so far (prompt included)
     * @param len       valid length of {@code seq}
     * @param promptLen length of the (padded) prompt
     */
    static void process(GenerationConfig c, List<int[]> badWords, float[] scores, int[] seq, int len, int promptLen) {
        if (c.repetitionPenalty != 1.0) {
            float theta = (float) c.repetitionPenalty;
            // each distinct token once (a per-thread bit set: no allocation per step)
            java.util.BitSet seen = SEEN.get();
            seen.clear();
            for (int i = 0; i < len; i++) {
                int t = seq[i];
                if (t < 0 || t >= scores.length || seen.get(t)) continue;
                seen.set(t);
                scores[t] = scores[t] > 0 ? scores[t] / theta : scores[t] * theta;
            }
        }
        int n = c.noRepeatNgramSize;
        if (n > 0 && len + 1 >= n) {
            // ban every token that would complete an n-gram already present in the row
            for (int i = 0; i + n <= len; i++) {
                boolean match = true;
                for (int j = 0; j < n - 1 && match; j++) match = seq[i + j] == seq[len - n + 1 + j];
                if (match) scores[seq[i + n - 1]] = Float.NEGATIVE_INFINITY;
            }
        }
        for (int[] bad : badWords) {
            int k = bad.length - 1;
            if (k > len) continue;
            boolean match = true;
            for (int j = 0; j < k && match; j++) match = seq[len - k + j] == bad[j];
            if (match && bad[k] < scores.length) scores[bad[k]] = Float.NEGATIVE_INFINITY;
        }
        boolean tooShort = len < c.minLength || (c.minNewTokens != null && len - promptLen < c.minNewTokens);
        if (tooShort) {
            for (int eos : c.eosTokenId) if (eos >= 0 && eos < scores.length) scores[eos] = Float.NEGATIVE_INFINITY;
        }
    }

    private static final ThreadLocal<java.util.BitSet> SEEN = ThreadLocal.withInitial(java.util.BitSet::new);

    /** Bad words without the sequences that are just an end-of-sequence token (transformers drops them). */
    static List<int[]> effectiveBadWords(GenerationConfig c) {
        return c.badWordsIds.stream().filter(b -> !(b.length == 1 && c.eosTokenId.contains(b[0]))).toList();
    }

    /** A float's bits as an int that sorts (signed) in the float's order, −∞ first. */
    private static int sortable(float f) {
        int b = Float.floatToIntBits(f);
        return b >= 0 ? b : b ^ 0x7fffffff;
    }

    /** Sampling warpers: temperature, top-k, top-p, in place. */
    static void warp(GenerationConfig c, float[] scores, int minTokensToKeep) {
        if (c.temperature != 1.0) {
            float t = (float) c.temperature;
            for (int i = 0; i < scores.length; i++) scores[i] /= t;
        }
        if (c.topK > 0) {
            int k = Math.min(Math.max(c.topK, minTokensToKeep), scores.length);
            float kth = kthLargest(scores, k);
            for (int i = 0; i < scores.length; i++) if (scores[i] < kth) scores[i] = Float.NEGATIVE_INFINITY;
        }
        if (c.topP < 1.0) {
            // ascending order of scores as primitive longs (sortable float bits, then the index):
            // no boxing, stable for equal scores like torch's sort
            Scratch s = SCRATCH.get().fit(scores.length);
            long[] order = s.order;
            int n = scores.length;
            for (int i = 0; i < n; i++) order[i] = ((long) sortable(scores[i]) << 32) | i;
            Arrays.sort(order, 0, n);
            double max = scores[(int) order[n - 1]];
            double[] p = s.p;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                p[i] = Math.exp(scores[(int) order[i]] - max);
                sum += p[i];
            }
            double cum = 0;
            for (int i = 0; i < n; i++) {
                cum += p[i] / sum;
                boolean keep = i >= n - minTokensToKeep;
                if (cum <= 1 - c.topP && !keep) scores[(int) order[i]] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** Per-thread buffers of the sampling warpers (no allocation per generated token). */
    private static final class Scratch {
        long[] order = new long[0];
        double[] p = new double[0];
        float[] heap = new float[0];

        Scratch fit(int n) {
            if (order.length < n) {
                order = new long[n];
                p = new double[n];
            }
            return this;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The k-th largest score, with a size-k min-heap: O(V log k) and no copy of the scores. */
    static float kthLargest(float[] a, int k) {
        Scratch s = SCRATCH.get();
        if (s.heap.length < k) s.heap = new float[k];
        float[] h = s.heap;
        for (int i = 0; i < k; i++) {
            int j = i;
            h[j] = a[i];
            while (j > 0 && h[(j - 1) / 2] > h[j]) { // sift up
                float t = h[j];
                h[j] = h[(j - 1) / 2];
                h[(j - 1) / 2] = t;
                j = (j - 1) / 2;
            }
        }
        for (int i = k; i < a.length; i++) {
            if (a[i] <= h[0]) continue;
            h[0] = a[i];
            int j = 0;
            while (true) { // sift down
                int l = 2 * j + 1, r = l + 1, m = j;
                if (l < k && h[l] < h[m]) m = l;
                if (r < k && h[r] < h[m]) m = r;
                if (m == j) break;
                float t = h[j];
                h[j] = h[m];
                h[m] = t;
                j = m;
            }
        }
        return h[0];
    }
}
