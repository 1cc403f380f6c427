package org.idefics4j.processing.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Byte-fallback BPE over code points, the model of LLaMA's tokenizer.
 *
 * <p>One normalized chunk is split into one symbol per code point (a code point missing from the
 * vocabulary becomes its UTF-8 byte pieces {@code <0xNN>}, or a fused {@code <unk>}), then adjacent
 * pairs are merged lowest rank first, leftmost first on ties, until no pair merges. Pairs wait in a
 * binary heap and symbols form a linked list, so a merge costs O(log n) and a long text is not
 * rescanned (Hugging Face's {@code Word::merge_all} works the same way).
 *
 * <p>The rank comes from {@code tokenizer.json}'s merge list (its index) or, for a SentencePiece
 * model, from the merged piece's score (higher score = lower rank; SentencePiece's BPE merges the
 * pair whose merged piece scores highest, leftmost on ties).
 */
final class BpeModel {
    private final String[] idToToken;
    private final Map<String, Integer> vocab;
    /** id of each BMP code point that is a piece (-1: none); supplementary ones in {@link #supplementary}. */
    private final int[] bmpIds;
    private final Map<Integer, Integer> supplementary;
    /** id of {@code <0xNN>} for each byte, -1 where missing; null without byte fallback. */
    private final int[] byteIds;
    private final int unkId;
    private final boolean fuseUnk;
    private final PairMap merges;
    /**
     * True when no merge joins a left symbol ending in a non-{@code ▁} character to a right symbol
     * starting with {@code ▁} (true for LLaMA: {@code ▁} only starts pieces). Then a chunk can be cut
     * before every word-initial {@code ▁} and the words merged separately, with identical results:
     * merges never cross the cuts, and rank order within a word does not depend on other words.
     * Words repeat, so they are cached.
     */
    private final boolean splitAtWordStarts;
    private final java.util.concurrent.ConcurrentHashMap<String, int[]> cache = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 100_000, CACHED_WORD_MAX_CHARS = 64;

    private BpeModel(String[] idToToken, Map<String, Integer> vocab, Map<String, Integer> charPieces,
                     boolean byteFallback, int unkId, boolean fuseUnk, PairMap merges, boolean splitAtWordStarts) {
        this.splitAtWordStarts = splitAtWordStarts;
        this.idToToken = idToToken;
        this.vocab = vocab;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.merges = merges;
        this.bmpIds = new int[65536];
        Arrays.fill(bmpIds, -1);
        this.supplementary = new HashMap<>();
        for (var e : charPieces.entrySet()) {
            String s = e.getKey();
            if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) continue;
            int cp = s.codePointAt(0);
            if (cp < 65536) bmpIds[cp] = e.getValue();
            else supplementary.put(cp, e.getValue());
        }
        if (byteFallback) {
            byteIds = new int[256];
            for (int b = 0; b < 256; b++) byteIds[b] = vocab.getOrDefault(bytePiece(b), -1);
        } else {
            byteIds = null;
        }
    }

    /** The byte piece for {@code b}, spelled as Hugging Face formats it ({@code <0x0A>}). */
    static String bytePiece(int b) {
        return String.format("<0x%02X>", b & 0xff);
    }

    /**
     * The model of a {@code tokenizer.json} BPE section.
     *
     * @param merges merge pairs in rank order; each entry is {left, right}
     * @param where  names the source in error messages
     */
    static BpeModel fromMerges(Map<String, Integer> vocab, List<String[]> merges, String unkToken,
                               boolean byteFallback, boolean fuseUnk, String where) {
        int size = 0;
        for (int id : vocab.values()) {
            if (id < 0) throw new TokenizerException(where + ": model.vocab has a negative id " + id);
            size = Math.max(size, id + 1);
        }
        String[] idToToken = new String[size];
        for (var e : vocab.entrySet()) idToToken[e.getValue()] = e.getKey();
        PairMap map = new PairMap(merges.size());
        boolean split = true;
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] m = merges.get(rank);
            split &= !crossesWordStart(m[0], m[1]);
            Integer a = vocab.get(m[0]), b = vocab.get(m[1]), c = vocab.get(m[0] + m[1]);
            if (a == null || b == null || c == null) {
                String missing = a == null ? m[0] : b == null ? m[1] : m[0] + m[1];
                throw new TokenizerException(where + ": model.merges[" + rank + "] \"" + m[0] + " " + m[1]
                        + "\" uses \"" + missing + "\", which is not in model.vocab");
            }
            map.put(a, b, rank, c);
        }
        int unk = -1;
        if (unkToken != null) {
            Integer u = vocab.get(unkToken);
            if (u == null) throw new TokenizerException(where + ": model.unk_token \"" + unkToken + "\" is not in model.vocab");
            unk = u;
        }
        return new BpeModel(idToToken, vocab, vocab, byteFallback, unk, fuseUnk, map, split);
    }

    /** The model of a SentencePiece BPE {@code tokenizer.model}. */
    static BpeModel fromSentencePiece(SentencePieceModel sp, String where) {
        List<SentencePieceModel.Piece> pieces = sp.pieces();
        String[] idToToken = new String[pieces.size()];
        Map<String, Integer> all = new HashMap<>(pieces.size() * 2);
        // SentencePiece only merges into, and starts from, "normal" pieces (NORMAL, USER_DEFINED,
        // UNUSED); control, unknown and byte pieces are reachable by id only.
        Map<String, Integer> mergeable = new HashMap<>(pieces.size() * 2);
        int unk = -1;
        TreeSet<Float> scores = new TreeSet<>();
        for (int id = 0; id < pieces.size(); id++) {
            SentencePieceModel.Piece p = pieces.get(id);
            idToToken[id] = p.piece();
            if (all.putIfAbsent(p.piece(), id) != null)
                throw new TokenizerException(where + ": piece \"" + p.piece() + "\" is defined twice");
            switch (p.type()) {
                case NORMAL, USER_DEFINED, UNUSED -> {
                    mergeable.put(p.piece(), id);
                    scores.add(p.score());
                }
                case UNKNOWN -> unk = id;
                default -> { }
            }
        }
        List<Float> byScore = new ArrayList<>(scores.descendingSet());
        Map<Float, Integer> scoreRank = new HashMap<>();
        for (int i = 0; i < byScore.size(); i++) scoreRank.put(byScore.get(i), i);
        PairMap map = new PairMap(pieces.size() * 2);
        boolean split = true;
        for (var e : mergeable.entrySet()) {
            String s = e.getKey();
            int id = e.getValue();
            if (pieces.get(id).type() == SentencePieceModel.Type.USER_DEFINED) continue;
            int rank = scoreRank.get(pieces.get(id).score());
            // Every split of the piece into two mergeable pieces is a way to reach it.
            for (int i = s.offsetByCodePoints(0, 1); i < s.length(); i = s.offsetByCodePoints(i, 1)) {
                Integer a = mergeable.get(s.substring(0, i)), b = mergeable.get(s.substring(i));
                if (a == null || b == null) continue;
                if (pieces.get(a).type() == SentencePieceModel.Type.USER_DEFINED
                        || pieces.get(b).type() == SentencePieceModel.Type.USER_DEFINED) continue;
                map.put(a, b, rank, id);
                split &= !crossesWordStart(s.substring(0, i), s.substring(i));
            }
        }
        return new BpeModel(idToToken, all, mergeable, sp.byteFallback(), unk, true, map, split);
    }

    private static boolean crossesWordStart(String left, String right) {
        return !left.isEmpty() && !right.isEmpty() && left.charAt(left.length() - 1) != '\u2581' && right.charAt(0) == '\u2581';
    }

    int size() {
        return idToToken.length;
    }

    /** The piece for {@code id}, or null when the id is outside the model or unassigned. */
    String idToToken(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    Integer tokenToId(String token) {
        return vocab.get(token);
    }

    int unkId() {
        return unkId;
    }

    /** Encodes one normalized chunk, appending ids to {@code out}. */
    void encode(String text, IntArrayList out) {
        if (!splitAtWordStarts) {
            encodeWord(text, out);
            return;
        }
        int start = 0, n = text.length();
        for (int i = 1; i <= n; i++) {
            if (i < n && !(text.charAt(i) == '\u2581' && text.charAt(i - 1) != '\u2581')) continue;
            if (i - start > CACHED_WORD_MAX_CHARS) {
                encodeWord(text.substring(start, i), out);
            } else {
                String word = text.substring(start, i);
                int[] ids = cache.get(word);
                if (ids == null) {
                    IntArrayList w = new IntArrayList(8);
                    encodeWord(word, w);
                    ids = w.toArray();
                    if (cache.size() >= CACHE_LIMIT) cache.clear();
                    cache.put(word, ids);
                }
                for (int id : ids) out.add(id);
            }
            start = i;
        }
    }

    /** Merges one word (or whole chunk) from its code points. */
    private void encodeWord(String text, IntArrayList out) {
        int n = text.length();
        if (n == 0) return;
        // Symbols: a doubly linked list over parallel arrays; ids[i] == -1 marks a merged-away symbol.
        int[] ids = new int[n + 8];
        int count = 0;
        int pendingUnk = -1; // fused unknown run waiting to be emitted
        for (int i = 0; i < n; ) {
            int cp = text.codePointAt(i);
            int len = Character.charCount(cp);
            int id = cp < 65536 ? bmpIds[cp] : supplementary.getOrDefault(cp, -1);
            if (id >= 0) {
                if (pendingUnk >= 0) {
                    ids = push(ids, count++, pendingUnk);
                    pendingUnk = -1;
                }
                ids = push(ids, count++, id);
            } else {
                boolean done = false;
                if (byteIds != null) {
                    byte[] utf8 = utf8(cp);
                    boolean all = true;
                    for (byte b : utf8) all &= byteIds[b & 0xff] >= 0;
                    if (all) {
                        // Hugging Face emits the bytes without flushing a pending <unk> first; keep
                        // that order so fused-unknown runs come out identically.
                        for (byte b : utf8) ids = push(ids, count++, byteIds[b & 0xff]);
                        done = true;
                    }
                }
                if (!done && unkId >= 0) {
                    if (pendingUnk >= 0 && !fuseUnk) ids = push(ids, count++, pendingUnk);
                    pendingUnk = unkId;
                }
            }
            i += len;
        }
        if (pendingUnk >= 0) ids = push(ids, count++, pendingUnk);
        mergeAll(ids, count, out);
    }

    private static int[] push(int[] a, int at, int v) {
        if (at == a.length) a = Arrays.copyOf(a, a.length * 2);
        a[at] = v;
        return a;
    }

    private static byte[] utf8(int cp) {
        // Lone surrogates have no UTF-8 form; encode them as U+FFFD like Java's encoder does.
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
        if (cp < 0x80) return new byte[]{(byte) cp};
        if (cp < 0x800) return new byte[]{(byte) (0xC0 | cp >> 6), (byte) (0x80 | cp & 0x3F)};
        if (cp < 0x10000)
            return new byte[]{(byte) (0xE0 | cp >> 12), (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
        return new byte[]{(byte) (0xF0 | cp >> 18), (byte) (0x80 | cp >> 12 & 0x3F),
                (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
    }

    private void mergeAll(int[] ids, int count, IntArrayList out) {
        if (count == 1) {
            out.add(ids[0]);
            return;
        }
        int[] prev = new int[count], next = new int[count];
        for (int i = 0; i < count; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }
        MergeHeap heap = new MergeHeap(count);
        for (int i = 0; i + 1 < count; i++) {
            long m = merges.get(ids[i], ids[i + 1]);
            if (m >= 0) heap.push((int) (m >>> 32), i, (int) m);
        }
        while (!heap.isEmpty()) {
            int pos = heap.topPos(), newId = heap.topMerged();
            heap.pop();
            if (ids[pos] < 0) continue;          // absorbed into its left neighbour
            int right = next[pos];
            if (right < 0) continue;              // now the last symbol
            // Stale entry: the pair at pos changed since it was queued and no longer makes newId.
            long cur = merges.get(ids[pos], ids[right]);
            if (cur < 0 || (int) cur != newId) continue;
            ids[pos] = newId;
            ids[right] = -1;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) prev[after] = pos;
            int before = prev[pos];
            if (before >= 0) {
                long m = merges.get(ids[before], newId);
                if (m >= 0) heap.push((int) (m >>> 32), before, (int) m);
            }
            if (after >= 0) {
                long m = merges.get(newId, ids[after]);
                if (m >= 0) heap.push((int) (m >>> 32), pos, (int) m);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) out.add(ids[i]);
    }

    /** Binary min-heap of (rank, position) with the merged id alongside. */
    private static final class MergeHeap {
        private long[] keys;   // rank << 32 | position: orders by rank, then leftmost
        private int[] merged;
        private int size;

        MergeHeap(int capacity) {
            keys = new long[Math.max(16, capacity)];
            merged = new int[keys.length];
        }

        boolean isEmpty() {
            return size == 0;
        }

        int topPos() {
            return (int) keys[0];
        }

        int topMerged() {
            return merged[0];
        }

        void push(int rank, int pos, int mergedId) {
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                merged = Arrays.copyOf(merged, size * 2);
            }
            long k = ((long) rank << 32) | pos;
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (keys[parent] <= k) break;
                keys[i] = keys[parent];
                merged[i] = merged[parent];
                i = parent;
            }
            keys[i] = k;
            merged[i] = mergedId;
        }

        void pop() {
            long k = keys[--size];
            int m = merged[size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < size && keys[child + 1] < keys[child]) child++;
                if (k <= keys[child]) break;
                keys[i] = keys[child];
                merged[i] = merged[child];
                i = child;
            }
            if (size > 0) {
                keys[i] = k;
                merged[i] = m;
            }
        }
    }
}
