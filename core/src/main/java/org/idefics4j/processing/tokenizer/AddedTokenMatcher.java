package org.idefics4j.processing.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in text the way Hugging Face's {@code AddedVocabulary} does: non-overlapping
 * leftmost-longest matches (Aho-Corasick {@code LeftmostLongest}), then per token {@code single_word}
 * drops matches inside a word and {@code lstrip}/{@code rstrip} widen a match over adjacent whitespace.
 */
final class AddedTokenMatcher {
    /** A piece of the input: a matched token (token != null) or plain text [start, end). */
    record Span(int start, int end, AddedToken token) {
    }

    private static final class Node {
        final Map<Character, Node> children = new HashMap<>(4);
        AddedToken token; // a pattern ends here
    }

    private final Node root = new Node();
    private final boolean empty;

    /** @param patterns token per pattern text (the pattern may differ from content, e.g. normalized) */
    AddedTokenMatcher(Map<String, AddedToken> patterns) {
        for (var e : patterns.entrySet()) {
            if (e.getKey().isEmpty()) continue;
            Node n = root;
            for (int i = 0; i < e.getKey().length(); i++) n = n.children.computeIfAbsent(e.getKey().charAt(i), c -> new Node());
            n.token = e.getValue();
        }
        empty = root.children.isEmpty();
    }

    /** Splits {@code text} into token spans and text spans, in order; text spans are never empty. */
    List<Span> split(String text) {
        List<Span> out = new ArrayList<>();
        int startOffset = 0;
        if (!empty) {
            int n = text.length();
            int i = 0;
            while (i < n) {
                Node first = root.children.get(text.charAt(i));
                if (first == null) {
                    i++;
                    continue;
                }
                // Longest pattern starting at i.
                Node node = first;
                int bestEnd = -1;
                AddedToken best = null;
                for (int j = i + 1; ; j++) {
                    if (node.token != null) {
                        bestEnd = j;
                        best = node.token;
                    }
                    if (j >= n) break;
                    node = node.children.get(text.charAt(j));
                    if (node == null) break;
                }
                if (best == null) {
                    i++;
                    continue;
                }
                int start = i, stop = bestEnd;
                i = bestEnd; // matches never overlap, even when one is discarded below
                if (best.singleWord()) {
                    boolean wordBefore = start > 0 && isWordChar(text.codePointBefore(start));
                    boolean wordAfter = stop < n && isWordChar(text.codePointAt(stop));
                    if (wordBefore || wordAfter) continue;
                }
                if (best.lstrip()) {
                    int s = start;
                    while (s > 0 && isWhitespace(text.codePointBefore(s))) s -= Character.charCount(text.codePointBefore(s));
                    // Whitespace already swallowed by the previous match stays with it.
                    start = Math.max(s, startOffset);
                }
                if (best.rstrip()) {
                    while (stop < n && isWhitespace(text.codePointAt(stop))) stop += Character.charCount(text.codePointAt(stop));
                }
                if (startOffset < start) out.add(new Span(startOffset, start, null));
                out.add(new Span(start, stop, best));
                startOffset = stop;
            }
        }
        if (startOffset < text.length()) out.add(new Span(startOffset, text.length(), null));
        return out;
    }

    /** Rust regex {@code \w} (Unicode): alphabetic, marks, decimal digits, connector punctuation, joiners. */
    static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp) || Character.isDigit(cp)) return true;
        int t = Character.getType(cp);
        return t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK
                || t == Character.COMBINING_SPACING_MARK || t == Character.CONNECTOR_PUNCTUATION
                || cp == 0x200C || cp == 0x200D;
    }

    /** Unicode White_Space (Rust {@code \s} / {@code char::is_whitespace}); Java's isWhitespace differs. */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
