package org.idefics4j.processing.tokenizer;

import java.util.SplittableRandom;

/**
 * Seeded random strings that stress the tokenizer: mixed scripts, emoji (surrogate pairs, ZWJ
 * sequences), characters outside the vocabulary (byte fallback), runs of spaces/tabs/newlines,
 * digits, literal {@code ▁}, special tokens whole and broken, and text that looks like byte pieces.
 * Never produces lone surrogates (they have no UTF-8 form, so no Rust string can hold them).
 */
final class RandomText {
    private static final String[] WORDS = {
            "Hello", "world", "the", "image", "Describe", "User", "Assistant", ":", "cat", "dog", "a", "an",
            "naïve", "résumé", "Ångström", "straße", "日本語", "中文", "한국어", "русский", "Ελληνικά", "עברית",
            "العربية", "हिन्दी", "ไทย", "🙂", "👍🏽", "👨‍👩‍👧", "🇫🇷", "∑", "≠", "→", "…", "—", "€", "£", "©",
            "don't", "it's", "http://x.y/z?a=1&b=2", "foo_bar", "camelCase", "x=1;", "{\"k\": [1, 2]}", "<html>",
            "\u2581", "\u2581\u2581", "<0x41>", "<0xZZ>", "<unk>", "<s>", "</s>", "<image>", "<fake_token_around_image>",
            "<end_of_utterance>", "<image", "image>", "<fake_token", "<end_of_utt", "<<image>>", "< image >", "<S>",
            "\u00a0", "\u3000", "\u200b", "\ufeff", "\u0301", "e\u0301", "ﬁ", "Ⅻ", "①", "½", "٣", "४"
    };
    private static final String[] SPACES = {" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\t\t", "    ", " \t"};

    private final SplittableRandom rnd;

    RandomText(long seed) {
        rnd = new SplittableRandom(seed);
    }

    String next(int maxParts) {
        StringBuilder sb = new StringBuilder();
        int parts = rnd.nextInt(maxParts + 1);
        for (int i = 0; i < parts; i++) {
            switch (rnd.nextInt(10)) {
                case 0, 1, 2, 3 -> sb.append(WORDS[rnd.nextInt(WORDS.length)]);
                case 4, 5 -> sb.append(SPACES[rnd.nextInt(SPACES.length)]);
                case 6 -> sb.append(rnd.nextInt(100000));
                case 7 -> sb.appendCodePoint(randomCodePoint());
                case 8 -> {
                    for (int k = rnd.nextInt(1, 6); k > 0; k--) sb.append((char) rnd.nextInt(0x20, 0x7f));
                }
                default -> sb.append(' ').append(WORDS[rnd.nextInt(WORDS.length)]);
            }
        }
        return sb.toString();
    }

    private int randomCodePoint() {
        while (true) {
            int cp = switch (rnd.nextInt(6)) {
                case 0 -> rnd.nextInt(0x00, 0x80);          // ASCII incl. control characters
                case 1 -> rnd.nextInt(0x80, 0x800);         // Latin/Greek/Cyrillic/Hebrew/Arabic
                case 2 -> rnd.nextInt(0x800, 0x3000);       // Indic, Thai, symbols, …
                case 3 -> rnd.nextInt(0x3000, 0xD800);      // CJK, Hangul
                case 4 -> rnd.nextInt(0xE000, 0x10000);     // private use, compatibility, specials
                default -> rnd.nextInt(0x10000, 0x110000);  // supplementary planes
            };
            if (Character.isDefined(cp) || rnd.nextInt(4) == 0) return cp; // mostly assigned, some not
        }
    }
}
