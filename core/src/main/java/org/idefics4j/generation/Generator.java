package org.idefics4j.generation;

import org.idefics4j.engine.Tensor;
import org.idefics4j.model.IdeficsCache;
import org.idefics4j.model.IdeficsCausalLMOutput;
import org.idefics4j.model.IdeficsForVisionText2Text;
import org.idefics4j.model.IdeficsInputs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Text generation as transformers' {@code generate} does it for IDEFICS: the prompt (left-padded
 * batch) runs once with the images, then one token per step with the KV cache; each new token sees
 * the images its prompt's last token saw; the vision tower and the image keys/values of the
 * cross-attention are computed once per request. Greedy search, sampling and beam search.
 */
public final class Generator {
    private final IdeficsForVisionText2Text model;
    private final Function<int[], String> decoder;

    public Generator(IdeficsForVisionText2Text model) {
        this(model, null);
    }

    /** @param decoder turns generated ids into text; needed for stop strings */
    public Generator(IdeficsForVisionText2Text model, Function<int[], String> decoder) {
        this.model = model;
        this.decoder = decoder;
    }

    /**
     * @param prompt   input_ids, attention_mask, image_attention_mask and one image input
     *                 (pixel_values, image_encoder_embeddings or perceiver_embeddings)
     * @param streamer receives each step's tokens (may be null)
     */
    public GenerateOutput generate(IdeficsInputs prompt, GenerationConfig config, TokenStreamer streamer) {
        GenerationConfig c = resolve(config);
        if (prompt.inputIds == null) throw new IllegalArgumentException("generate needs input_ids");
        if (!c.stopStrings.isEmpty() && decoder == null) {
            throw new IllegalArgumentException("stop strings need a tokenizer to decode the generated text");
        }
        if (c.numBeams > 1) {
            if (!c.stopStrings.isEmpty()) throw new IllegalArgumentException("stop strings work with greedy search and sampling, not beams");
            return BeamSearch.run(this, prompt, c);
        }
        int expand = c.numReturnSequences;
        IdeficsInputs in = expand > 1 ? expandRows(prompt, expand) : prompt;
        return sample(in, c, streamer);
    }

    /** Defaults that depend on the model: eos and pad from its config, as transformers does. */
    GenerationConfig resolve(GenerationConfig config) {
        GenerationConfig c = config.copy();
        if (c.eosTokenId.isEmpty()) c.eosTokenId = new ArrayList<>(List.of(model.config().eosTokenId));
        if (c.padTokenId == null) c.padTokenId = c.eosTokenId.get(0);
        c.validate();
        return c;
    }

    static int maxLength(GenerationConfig c, int promptLen) {
        int max = c.maxNewTokens != null ? promptLen + c.maxNewTokens : c.maxLength;
        if (max <= promptLen) {
            throw new IllegalArgumentException("the prompt has " + promptLen + " tokens, max_length is " + max
                    + ": set max_new_tokens");
        }
        return max;
    }

    private GenerateOutput sample(IdeficsInputs in, GenerationConfig c, TokenStreamer streamer) {
        int b = in.inputIds.length, promptLen = in.inputIds[0].length;
        int maxLen = maxLength(c, promptLen);
        List<int[]> badWords = LogitsProcessors.effectiveBadWords(c);
        SplittableRandom rng = c.doSample ? (c.seed != null ? new SplittableRandom(c.seed) : new SplittableRandom()) : null;

        int[][] seq = new int[b][maxLen];
        int[] real = new int[b]; // real (unpadded) tokens per row: the next position is real − 1 after appending
        for (int i = 0; i < b; i++) {
            System.arraycopy(in.inputIds[i], 0, seq[i], 0, promptLen);
            for (int j = 0; j < promptLen; j++) real[i] += in.attentionMask == null ? 1 : in.attentionMask[i][j];
        }
        // each generated token sees the images the last prompt token saw
        int[][][] lastImageRow = new int[b][1][];
        for (int i = 0; i < b; i++) lastImageRow[i][0] = in.imageAttentionMask[i][promptLen - 1];

        // per-step inputs and scores, allocated once: the cache remembers the padding of earlier
        // positions and holds every activation buffer, so a decoded token allocates no tensors
        boolean[] finished = new boolean[b];
        List<float[][]> allScores = c.outputScores ? new ArrayList<>() : null;
        float[][] scores = new float[b][];
        int[][] stepIds = new int[b][1], stepPos = new int[b][1], stepMask = new int[b][1];
        for (int[] m : stepMask) m[0] = 1;
        int[] next = new int[b];
        float[] warped = null;
        IdeficsCausalLMOutput out = model.forward(copyPrompt(in).useCache(true).lastLogitsOnly(true));
        IdeficsCache cache = out.pastKeyValues();
        IdeficsInputs step = new IdeficsInputs().inputIds(stepIds).attentionMask(stepMask).positionIds(stepPos)
                .imageAttentionMask(lastImageRow).pastKeyValues(cache).useCache(true).lastLogitsOnly(true).reuseBuffers(true);
        int len = promptLen;
        while (true) {
            lastLogits(out.logits(), scores, c.outputScores);
            for (int i = 0; i < b; i++) {
                LogitsProcessors.process(c, badWords, scores[i], seq[i], len, promptLen);
                if (c.doSample) {
                    if (warped == null) warped = new float[scores[i].length];
                    System.arraycopy(scores[i], 0, warped, 0, warped.length);
                    LogitsProcessors.warp(c, warped, 1);
                    next[i] = draw(warped, rng);
                } else {
                    next[i] = argmax(scores[i]);
                }
                if (finished[i]) next[i] = c.padTokenId;
            }
            if (allScores != null) allScores.add(scores.clone()); // the rows are fresh arrays when scores are kept
            for (int i = 0; i < b; i++) {
                seq[i][len] = next[i];
                real[i]++;
                if (c.eosTokenId.contains(next[i])) finished[i] = true;
                else if (!finished[i] && endsWithStopString(c, seq[i], promptLen, len + 1)) finished[i] = true;
            }
            len++;
            if (streamer != null) streamer.put(next);
            boolean done = len >= maxLen;
            if (!done) {
                done = true;
                for (boolean f : finished) done &= f;
            }
            if (done) break;
            for (int i = 0; i < b; i++) {
                stepIds[i][0] = next[i];
                stepPos[i][0] = real[i] - 1; // cumsum(mask) − 1 at the new token
            }
            out = model.forward(step);
        }
        if (streamer != null) streamer.end();
        int[][] result = new int[b][];
        for (int i = 0; i < b; i++) result[i] = Arrays.copyOf(seq[i], len);
        return new GenerateOutput(result, allScores, promptLen);
    }

    /** Whether the row's generated text now ends with one of the stop strings. */
    private boolean endsWithStopString(GenerationConfig c, int[] seq, int promptLen, int len) {
        if (c.stopStrings.isEmpty()) return false;
        int longest = c.stopStrings.stream().mapToInt(String::length).max().orElse(0);
        int from = Math.max(promptLen, len - longest - 8); // every token is at least one character
        String tail = decoder.apply(Arrays.copyOfRange(seq, from, len));
        for (String stop : c.stopStrings) if (tail.endsWith(stop)) return true;
        return false;
    }

    static IdeficsInputs copyPrompt(IdeficsInputs in) {
        return new IdeficsInputs().inputIds(in.inputIds).attentionMask(in.attentionMask).pixelValues(in.pixelValues)
                .imageEncoderEmbeddings(in.imageEncoderEmbeddings).perceiverEmbeddings(in.perceiverEmbeddings)
                .imageAttentionMask(in.imageAttentionMask).interpolatePosEncoding(in.interpolatePosEncoding);
    }

    IdeficsForVisionText2Text model() {
        return model;
    }

    static float[][] lastLogits(Tensor logits) {
        float[][] out = new float[logits.dim(0)][];
        lastLogits(logits, out, true);
        return out;
    }

    /** Copies each row's last-position logits into {@code out}, reusing its arrays unless {@code fresh}. */
    static void lastLogits(Tensor logits, float[][] out, boolean fresh) {
        int b = logits.dim(0), t = logits.dim(1), v = logits.dim(2);
        for (int i = 0; i < b; i++) {
            if (fresh || out[i] == null || out[i].length != v) out[i] = new float[v];
            System.arraycopy(logits.data(), (i * t + t - 1) * v, out[i], 0, v);
        }
    }

    static int argmax(float[] s) {
        int best = 0;
        for (int i = 1; i < s.length; i++) if (s[i] > s[best]) best = i;
        return best;
    }

    private static int draw(float[] scores, SplittableRandom rng) {
        float max = Float.NEGATIVE_INFINITY;
        for (float s : scores) max = Math.max(max, s);
        double sum = 0;
        double[] p = new double[scores.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = scores[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp(scores[i] - max);
            sum += p[i];
        }
        double u = rng.nextDouble() * sum;
        for (int i = 0; i < p.length; i++) {
            u -= p[i];
            if (u < 0 && p[i] > 0) return i;
        }
        for (int i = p.length - 1; i >= 0; i--) if (p[i] > 0) return i;
        return 0;
    }

    /**
     * Repeats every row {@code k} times (row b → rows b·k … b·k+k−1). The images are encoded once,
     * before the repetition, and handed on as their image tokens: the vision tower and perceiver run
     * once per request, not once per beam or returned sequence.
     */
    IdeficsInputs expandRows(IdeficsInputs in, int k) {
        IdeficsInputs out = copyPrompt(in);
        Tensor states = model.model().encodeImages(in, in.inputIds.length);
        out.pixelValues = null;
        out.imageEncoderEmbeddings = null;
        out.perceiverEmbeddings = null;
        if (model.config().useResampler) out.perceiverEmbeddings = repeat(states, k);
        else out.imageEncoderEmbeddings = repeat(states, k);
        out.inputIds = repeat(in.inputIds, k);
        out.attentionMask = in.attentionMask == null ? null : repeat(in.attentionMask, k);
        int[][][] iam = new int[in.imageAttentionMask.length * k][][];
        for (int i = 0; i < iam.length; i++) iam[i] = in.imageAttentionMask[i / k];
        out.imageAttentionMask = iam;
        return out;
    }

    private static int[][] repeat(int[][] a, int k) {
        int[][] out = new int[a.length * k][];
        for (int i = 0; i < out.length; i++) out[i] = a[i / k].clone();
        return out;
    }

    private static Tensor repeat(Tensor t, int k) {
        if (t == null) return null;
        int[] shape = t.shape();
        int per = t.numel() / shape[0];
        shape[0] *= k;
        Tensor out = Tensor.zeros(shape);
        for (int i = 0; i < shape[0]; i++) System.arraycopy(t.data(), (i / k) * per, out.data(), i * per, per);
        return out;
    }
}
