package org.idefics4j.generation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.idefics4j.engine.Tensor;
import org.idefics4j.model.Fixture;
import org.idefics4j.model.IdeficsForVisionText2Text;
import org.idefics4j.model.IdeficsInputs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Generation against transformers' greedy search: sequences identical, per-step scores within 1e-4
 * (the logits tolerance; banned ids must be −∞ exactly). Beam search and sampling checked by what
 * they must do: one beam is greedy, many beams find the exhaustive optimum, a seed reproduces.
 */
class GenerationGoldenTest {
    static final String[] CASES = Fixture.MODEL_CASES;
    private static final Map<String, IdeficsForVisionText2Text> MODELS = new HashMap<>();

    static synchronized IdeficsForVisionText2Text model(Fixture f) {
        return MODELS.computeIfAbsent(f.name, n -> IdeficsForVisionText2Text.fromPretrained(f.modelDir()));
    }

    static IdeficsInputs prompt(Fixture f) {
        return new IdeficsInputs().inputIds(f.ints2("input_ids")).attentionMask(f.ints2("attention_mask"))
                .pixelValues(f.in("pixel_values")).imageAttentionMask(f.ints3("image_attention_mask"));
    }

    static JsonNode generation(Fixture f) throws IOException {
        return new ObjectMapper().readTree(f.dir.resolve("case.json").toFile()).get("generation");
    }

    static GenerationConfig config(JsonNode g, boolean badWords) {
        GenerationConfig c = new GenerationConfig();
        c.maxNewTokens = g.get("max_new_tokens").intValue();
        c.eosTokenId = List.of(g.get("eos_token_id").intValue());
        c.padTokenId = g.get("pad_token_id").intValue();
        if (badWords) c.badWordsIds = GenerationConfig.parseBadWords(g.get("bad_words_ids"), "case.json");
        c.outputScores = true;
        return c;
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void greedyAndBadWordsMatchTheReference(String name) throws IOException {
        Fixture f = new Fixture(name);
        JsonNode g = generation(f);
        for (String kind : new String[]{"greedy", "bad_words"}) {
            GenerateOutput out = new Generator(model(f)).generate(prompt(f), config(g, kind.equals("bad_words")), null);
            int[][] expected = Fixture.ints2(f.expected.get("generate." + kind + ".sequences"));
            assertArrayEquals(expected, out.sequences(), name + " " + kind + " sequences");
            assertEquals(g.get(kind).get("steps").intValue(), out.scores().size());
            for (int k = 0; k < out.scores().size(); k++) {
                Tensor e = f.exp("generate." + kind + ".scores." + k);
                float[][] s = out.scores().get(k);
                int v = e.dim(1);
                for (int r = 0; r < s.length; r++)
                    for (int t = 0; t < v; t++) {
                        float ev = e.data()[r * v + t], av = s[r][t];
                        if (Float.isInfinite(ev)) assertEquals(ev, av, name + " " + kind + " step " + k + " banned id " + t);
                        else assertTrue(Math.abs(ev - av) <= 1e-4, name + " " + kind + " step " + k + " score " + t + ": " + av + " vs " + ev);
                    }
            }
        }
    }

    @Test
    void oneBeamIsGreedy() throws IOException {
        Fixture f = new Fixture("custom_freeze_quickgelu");
        GenerationConfig c = config(generation(f), true);
        Generator gen = new Generator(model(f));
        GenerateOutput greedy = gen.generate(prompt(f), c, null);
        c.numBeams = 1;
        GenerateOutput beam = BeamSearch.run(gen, prompt(f), gen.resolve(c));
        for (int r = 0; r < greedy.sequences().length; r++) {
            int[] g = greedy.sequences()[r], b = beam.sequences()[r];
            // greedy pads finished rows to the common length; beam search ends a finished row with eos then pads
            for (int i = 0; i < Math.min(g.length, b.length); i++) assertEquals(g[i], b[i], "row " + r + " position " + i);
        }
    }

    @Test
    void manyBeamsFindTheExhaustiveBest() {
        Fixture f = new Fixture("tiny_default");
        IdeficsForVisionText2Text m = model(f);
        IdeficsInputs p = prompt(f);
        IdeficsInputs one = new IdeficsInputs().inputIds(new int[][]{p.inputIds[0]}).attentionMask(new int[][]{p.attentionMask[0]})
                .pixelValues(p.pixelValues.slice0(0, 1)).imageAttentionMask(new int[][][]{p.imageAttentionMask[0]});
        int v = m.config().vocabSize;
        GenerationConfig c = new GenerationConfig();
        c.maxNewTokens = 2;
        c.numBeams = v;            // wide enough to keep every first token: beam search is then exact
        c.eosTokenId = List.of(v + 7); // never produced: every hypothesis has two tokens
        c.padTokenId = 0;
        GenerateOutput beam = new Generator(m).generate(one, c, null);
        int[] best = beam.generated(0);

        int t = one.inputIds[0].length;
        double[] first = logSoftmax(m.forward(one).logits(), 0, t - 1);
        double bestScore = Double.NEGATIVE_INFINITY;
        int[] bestPair = null;
        for (int t1 = 0; t1 < v; t1++) {
            int[] ids = java.util.Arrays.copyOf(one.inputIds[0], t + 1);
            ids[t] = t1;
            int[] am = java.util.Arrays.copyOf(one.attentionMask[0], t + 1);
            am[t] = 1;
            int[][] iam = java.util.Arrays.copyOf(one.imageAttentionMask[0], t + 1);
            iam[t] = iam[t - 1];
            double[] second = logSoftmax(m.forward(new IdeficsInputs().inputIds(new int[][]{ids}).attentionMask(new int[][]{am})
                    .pixelValues(one.pixelValues).imageAttentionMask(new int[][][]{iam})).logits(), 0, t);
            for (int t2 = 0; t2 < v; t2++) {
                double s = first[t1] + second[t2];
                if (s > bestScore) {
                    bestScore = s;
                    bestPair = new int[]{t1, t2};
                }
            }
        }
        assertArrayEquals(bestPair, java.util.Arrays.copyOf(best, 2));
    }

    private static double[] logSoftmax(Tensor logits, int row, int pos) {
        int t = logits.dim(1), v = logits.dim(2);
        double[] out = new double[v];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) max = Math.max(max, logits.data()[(row * t + pos) * v + i]);
        double s = 0;
        for (int i = 0; i < v; i++) s += Math.exp(logits.data()[(row * t + pos) * v + i] - max);
        for (int i = 0; i < v; i++) out[i] = logits.data()[(row * t + pos) * v + i] - max - Math.log(s);
        return out;
    }

    @Test
    void samplingWithASeedIsReproducibleAndRespectsTopK() throws IOException {
        Fixture f = new Fixture("tiny_default");
        Generator gen = new Generator(model(f));
        GenerationConfig c = config(generation(f), false);
        c.doSample = true;
        c.seed = 42L;
        c.topK = 0;
        c.temperature = 1.5;
        GenerateOutput a = gen.generate(prompt(f), c, null), b = gen.generate(prompt(f), c, null);
        assertArrayEquals(a.sequences(), b.sequences(), "same seed, same tokens");
        c.seed = 7L;
        boolean differs = false;
        for (int s = 0; s < 5 && !differs; s++) {
            c.seed = 100L + s;
            differs = !java.util.Arrays.deepEquals(a.sequences(), gen.generate(prompt(f), c, null).sequences());
        }
        assertTrue(differs, "other seeds give other samples");
        c.topK = 1; // only the best token survives: sampling becomes greedy
        GenerateOutput greedy = gen.generate(prompt(f), config(generation(f), false), null);
        assertArrayEquals(greedy.sequences(), gen.generate(prompt(f), c, null).sequences());
        c.topK = 0;
        c.topP = 1e-6; // the smallest nucleus is the top token alone
        assertArrayEquals(greedy.sequences(), gen.generate(prompt(f), c, null).sequences());
    }

    @Test
    void kthLargestMatchesSorting() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int rep = 0; rep < 200; rep++) {
            float[] a = new float[1 + r.nextInt(300)];
            for (int i = 0; i < a.length; i++) a[i] = r.nextInt(4) == 0 ? 1.5f : (float) r.nextGaussian(); // ties too
            int k = 1 + r.nextInt(a.length);
            float[] sorted = a.clone();
            java.util.Arrays.sort(sorted);
            assertEquals(sorted[a.length - k], LogitsProcessors.kthLargest(a, k), "k = " + k + " of " + a.length);
        }
    }

    @Test
    void topKKeepsOnlyTheKBestScores() {
        GenerationConfig c = new GenerationConfig();
        c.topK = 2;
        float[] s = {0.1f, 3f, -1f, 2f, 0.5f};
        LogitsProcessors.warp(c, s, 1);
        assertArrayEquals(new float[]{Float.NEGATIVE_INFINITY, 3f, Float.NEGATIVE_INFINITY, 2f, Float.NEGATIVE_INFINITY}, s);
    }

    @Test
    void topPKeepsTheSmallestSetAboveTheMass() {
        // probabilities 0.5, 0.3, 0.2: ascending cumulative mass 0.2, 0.5, 1.0; with top_p = 0.7
        // transformers drops the tokens whose cumulative mass is ≤ 0.3, i.e. only the 0.2 one
        GenerationConfig c = new GenerationConfig();
        c.topK = 0;
        c.topP = 0.7;
        float[] s = {(float) Math.log(0.3), (float) Math.log(0.2), (float) Math.log(0.5)};
        float[] expect = {s[0], Float.NEGATIVE_INFINITY, s[2]};
        LogitsProcessors.warp(c, s, 1);
        assertArrayEquals(expect, s);
    }

    @Test
    void repetitionPenaltyNgramsAndMultiTokenBadWords() {
        GenerationConfig c = new GenerationConfig();
        c.repetitionPenalty = 2.0;
        c.noRepeatNgramSize = 2;
        c.badWordsIds = List.of(new int[]{4, 1}, new int[]{3});
        float[] s = {1f, -1f, 2f, 0.5f, 4f, 1f};
        int[] seq = {4, 1, 4};
        LogitsProcessors.process(c, c.badWordsIds, s, seq, 3, 1);
        // 4 and 1 were seen: 4 → 2 (positive halves); 1: −1 → −2 (negative doubles), then banned twice over:
        // 2-gram (4,1) seen and the row ends in 4 → 1 banned; bad word [4, 1] → 1 banned; [3] always banned
        assertArrayEquals(new float[]{1f, Float.NEGATIVE_INFINITY, 2f, Float.NEGATIVE_INFINITY, 2f, 1f}, s);
    }

    @Test
    void stopStringEndsARow() throws IOException {
        Fixture f = new Fixture("tiny_default");
        GenerationConfig c = config(generation(f), false);
        // a toy decoder: each id is one letter; the greedy row 0 continues 92, 73, 44 ...
        java.util.function.Function<int[], String> decode = ids -> {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) sb.append((char) ('A' + id % 26));
            return sb.toString();
        };
        c.stopStrings = List.of("" + (char) ('A' + 73 % 26) + (char) ('A' + 44 % 26));
        GenerateOutput out = new Generator(model(f), decode).generate(prompt(f), c, null);
        int[] row0 = out.generated(0);
        assertArrayEquals(new int[]{92, 73, 44}, java.util.Arrays.copyOf(row0, 3));
        for (int i = 3; i < row0.length; i++) assertEquals(0, row0[i], "padding after the stop string");
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Generator(model(f)).generate(prompt(f), c, null)).getMessage().contains("tokenizer"));
    }

    @Test
    void severalReturnSequencesPerPromptShareThePromptAndItsImages() throws IOException {
        Fixture f = new Fixture("resampler_qknorm_vector_interval2_addvocab");
        GenerationConfig c = config(generation(f), true);
        c.doSample = true;
        c.seed = 11L;
        c.numReturnSequences = 3;
        GenerateOutput out = new Generator(model(f)).generate(prompt(f), c, null);
        int[][] ids = f.ints2("input_ids");
        assertEquals(ids.length * 3, out.sequences().length);
        for (int r = 0; r < out.sequences().length; r++) {
            assertArrayEquals(ids[r / 3], java.util.Arrays.copyOf(out.sequences()[r], ids[0].length), "row " + r + " keeps its prompt");
        }
        // the first step of each copy sees the same logits as an unexpanded greedy run of its prompt
        GenerateOutput greedy = new Generator(model(f)).generate(prompt(f), config(generation(f), true), null);
        for (int r = 0; r < out.sequences().length; r++) {
            float[] a = out.scores().get(0)[r], b = greedy.scores().get(0)[r / 3];
            for (int t = 0; t < a.length; t++) assertEquals(b[t], a[t], 1e-5f, "step 0 score " + t + " of row " + r);
        }
    }
}
