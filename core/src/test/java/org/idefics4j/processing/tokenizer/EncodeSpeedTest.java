package org.idefics4j.processing.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Encoding speed of ours vs Hugging Face's Rust tokenizers (DJL) on about 1 MB of text; prints
 * tokens/s, asserts only that both give the same ids. Off by default:
 * {@code ./mvnw -q -pl core test -Dtest=EncodeSpeedTest -Dtokenizer.speed=true}.
 */
@EnabledIfSystemProperty(named = "tokenizer.speed", matches = "true")
class EncodeSpeedTest {
    private static final String[] COMMON = ("the of and to a in is that for it as was with be by on not he I this are or his"
            + " from at which but have an they you were her she there been one all we their has would when if so no"
            + " image picture shows describe user assistant model vision language question answer dog cat tree sky"
            + " running quickly beautiful information government international development").split(" ");
    private static final String[] OTHER = {"naïve", "Ångström", "日本語のテキスト", "русский текст", "🙂", "3.14159", "x = f(y);",
            "e.g.", "—", "«quoted»", "1,234,567"};

    static String prose(int chars, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(chars + 64);
        while (sb.length() < chars) {
            int words = r.nextInt(5, 25);
            for (int w = 0; w < words; w++) {
                if (w > 0) sb.append(' ');
                String word = r.nextInt(20) == 0 ? OTHER[r.nextInt(OTHER.length)] : COMMON[r.nextInt(COMMON.length)];
                sb.append(w == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word);
            }
            sb.append(r.nextInt(4) == 0 ? ".\n" : ". ");
        }
        return sb.substring(0, chars);
    }

    @Test
    void compare() throws Exception {
        LlamaTokenizer ours = LlamaTokenizer.from(GoldensTest.ROOT.resolve("idefics"));
        try (HuggingFaceTokenizer djl = HuggingFaceTokenizer.newInstance(GoldensTest.ROOT.resolve("idefics/tokenizer.json"),
                Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false", "modelMaxLength", "100000000"))) {
            String prose = prose(1_000_000, 1);
            StringBuilder mixed = new StringBuilder();
            RandomText gen = new RandomText(3);
            while (mixed.length() < 1_000_000) mixed.append(gen.next(20)).append(' ');
            List<String> lines = prose.lines().toList();
            for (var input : List.of(Map.entry("1 MB prose, one string", prose), Map.entry("1 MB random mixed text, one string", mixed.toString()))) {
                String text = input.getValue();
                assertArrayEquals(djl.encode(text).getIds(), java.util.Arrays.stream(ours.encode(text)).asLongStream().toArray());
                report(input.getKey() + " (" + text.length() + " chars)",
                        t -> ours.encode(text).length, t -> djl.encode(text).getIds().length);
            }
            report("1 MB prose as " + lines.size() + " separate lines",
                    t -> lines.stream().mapToInt(l -> ours.encode(l).length).sum(),
                    t -> lines.stream().mapToInt(l -> djl.encode(l).getIds().length).sum());
        }
    }

    private static void report(String what, ToIntFunction<Void> ours, ToIntFunction<Void> djl) {
        double o = tokensPerSecond(ours), d = tokensPerSecond(djl);
        System.out.printf("%-45s ours %,12.0f tokens/s   DJL (HF Rust) %,12.0f tokens/s   ratio %.2f%n", what, o, d, o / d);
    }

    private static double tokensPerSecond(ToIntFunction<Void> f) {
        for (int i = 0; i < 3; i++) f.applyAsInt(null); // warm-up (JIT)
        long best = Long.MAX_VALUE;
        int tokens = 0;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            tokens = f.applyAsInt(null);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return tokens / (best / 1e9);
    }
}
