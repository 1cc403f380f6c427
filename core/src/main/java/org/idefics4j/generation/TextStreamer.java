package org.idefics4j.generation;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Turns the tokens of one row into text deltas safe to print: the new suffix of the decoded text,
 * held back while it ends in an incomplete UTF-8 sequence (byte-fallback tokens) so no replacement
 * character is ever shown for a character still being built.
 */
public final class TextStreamer implements TokenStreamer {
    private final Function<int[], String> decode;
    private final Consumer<String> sink;
    private final int row;
    private final java.util.function.IntPredicate skip;
    private int[] ids = new int[16];
    private int n;
    private int printed;

    /**
     * @param decode turns ids into text (special tokens skipped)
     * @param sink   receives each delta
     * @param row    which batch row to follow
     * @param skip   ids never shown (e.g. end-of-sequence, padding)
     */
    public TextStreamer(Function<int[], String> decode, Consumer<String> sink, int row, java.util.function.IntPredicate skip) {
        this.decode = decode;
        this.sink = sink;
        this.row = row;
        this.skip = skip;
    }

    @Override
    public void put(int[] tokens) {
        int t = tokens[row];
        if (skip.test(t)) return;
        if (n == ids.length) ids = java.util.Arrays.copyOf(ids, n * 2);
        ids[n++] = t;
        flush(false);
    }

    @Override
    public void end() {
        flush(true);
    }

    private void flush(boolean last) {
        String text = decode.apply(java.util.Arrays.copyOf(ids, n));
        int end = text.length();
        if (!last) {
            while (end > printed && text.charAt(end - 1) == '\uFFFD') end--; // incomplete character
        }
        if (end > printed) {
            sink.accept(text.substring(printed, end));
            printed = end;
        }
    }
}
