package org.idefics4j.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.idefics4j.processing.tokenizer.LlamaTokenizer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Encoding speed of our pure-Java tokenizer against Hugging Face's Rust tokenizers (through DJL,
 * here only as the yardstick) on the same ~1 MB of text. The {@code tokens} counter reads as
 * tokens/s. Run from the repository root (it reads core/src/test/resources/tokenizers/idefics).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TokenizerBench {
    private static final String[] COMMON = ("the of and to a in is that for it as was with be by on not he I this are or his"
            + " from at which but have an they you were her she there been one all we their has would when if so no"
            + " image picture shows describe user assistant model vision language question answer dog cat tree sky"
            + " running quickly beautiful information government international development").split(" ");
    private static final String[] OTHER = {"naïve", "Ångström", "日本語のテキスト", "русский текст", "🙂", "3.14159",
            "x = f(y);", "e.g.", "—", "«quoted»", "1,234,567"};

    @Param({"ours", "hf-rust"})
    public String impl;

    private String text;
    private LlamaTokenizer ours;
    private HuggingFaceTokenizer rust;

    /** Tokens produced, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tokens {
        public double tokens;

        @Setup(Level.Iteration)
        public void reset() {
            tokens = 0;
        }
    }

    @Setup
    public void setUp() throws Exception {
        Path dir = Path.of(System.getProperty("tokenizer.dir", "core/src/test/resources/tokenizers/idefics"));
        if (!Files.isDirectory(dir)) throw new IllegalStateException(dir + ": run from the repository root or set -Dtokenizer.dir");
        text = prose(1_000_000, 1);
        ours = LlamaTokenizer.from(dir);
        rust = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"),
                Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false", "modelMaxLength", "100000000"));
        long[] a = Arrays.stream(ours.encode(text)).asLongStream().toArray();
        if (!Arrays.equals(a, rust.encode(text).getIds())) throw new IllegalStateException("the two tokenizers disagree");
    }

    @TearDown
    public void tearDown() {
        rust.close();
    }

    @Benchmark
    public int encode(Tokens counter) {
        int n = impl.equals("ours") ? ours.encode(text).length : rust.encode(text).getIds().length;
        counter.tokens += n;
        return n;
    }

    /** Sentences of common English words with a sprinkle of other scripts, numbers and emoji. */
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
}
