package org.idefics4j.generation;

import org.idefics4j.model.IdeficsCache;
import org.idefics4j.model.IdeficsCausalLMOutput;
import org.idefics4j.model.IdeficsInputs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Beam search as transformers 4.36 does it: log-probabilities plus running beam scores, the best
 * {@code max(2, 1 + #eos)·beams} candidates per request, finished hypotheses scored by
 * {@code sum_logprobs / generated_length^length_penalty} (prompt excluded), and the stop rule of
 * {@code early_stopping=false}: stop when no running beam can still beat the worst kept hypothesis.
 */
final class BeamSearch {
    private BeamSearch() {
    }

    /** Finished hypotheses of one request. */
    private static final class Hypotheses {
        final int numBeams;
        final double lengthPenalty;
        final boolean earlyStopping;
        final List<Object[]> beams = new ArrayList<>(); // {Double score, int[] tokens}
        double worst = 1e9;

        Hypotheses(int numBeams, double lengthPenalty, boolean earlyStopping) {
            this.numBeams = numBeams;
            this.lengthPenalty = lengthPenalty;
            this.earlyStopping = earlyStopping;
        }

        void add(int[] tokens, double sumLogprobs, int generatedLen) {
            double score = sumLogprobs / Math.pow(generatedLen, lengthPenalty);
            if (beams.size() < numBeams || score > worst) {
                beams.add(new Object[]{score, tokens});
                if (beams.size() > numBeams) {
                    int worstIdx = 0;
                    for (int i = 1; i < beams.size(); i++) if ((double) beams.get(i)[0] < (double) beams.get(worstIdx)[0]) worstIdx = i;
                    beams.remove(worstIdx);
                    worst = beams.stream().mapToDouble(x -> (double) x[0]).min().orElse(1e9);
                } else {
                    worst = Math.min(score, worst);
                }
            }
        }

        boolean isDone(double bestSumLogprobs, int generatedLen) {
            if (beams.size() < numBeams) return false;
            if (earlyStopping) return true;
            return worst >= bestSumLogprobs / Math.pow(generatedLen, lengthPenalty);
        }
    }

    static GenerateOutput run(Generator g, IdeficsInputs prompt, GenerationConfig c) {
        int b = prompt.inputIds.length, k = c.numBeams, rows = b * k;
        IdeficsInputs in = g.expandRows(prompt, k);
        int promptLen = in.inputIds[0].length;
        int maxLen = Generator.maxLength(c, promptLen);
        List<int[]> badWords = LogitsProcessors.effectiveBadWords(c);
        int candidates = Math.max(2, 1 + c.eosTokenId.size()) * k;

        int[][] seq = new int[rows][maxLen];
        int[] real = new int[rows]; // real (unpadded) tokens per row; the cache keeps the padding mask
        for (int r = 0; r < rows; r++) {
            System.arraycopy(in.inputIds[r], 0, seq[r], 0, promptLen);
            for (int j = 0; j < promptLen; j++) real[r] += in.attentionMask == null ? 1 : in.attentionMask[r][j];
        }
        int[][][] lastImageRow = new int[rows][1][];
        for (int r = 0; r < rows; r++) lastImageRow[r][0] = in.imageAttentionMask[r][promptLen - 1];
        double[] beamScores = new double[rows];
        for (int r = 0; r < rows; r++) beamScores[r] = r % k == 0 ? 0 : -1e9; // only the first beam starts
        Hypotheses[] hyps = new Hypotheses[b];
        for (int i = 0; i < b; i++) hyps[i] = new Hypotheses(k, c.lengthPenalty, c.earlyStopping);
        boolean[] done = new boolean[b];

        IdeficsCausalLMOutput out = g.model().forward(Generator.copyPrompt(in).useCache(true).lastLogitsOnly(true));
        IdeficsCache cache = out.pastKeyValues();
        int cur = promptLen;
        while (true) {
            float[][] logits = Generator.lastLogits(out.logits());
            int v = logits[0].length;
            double[][] scores = new double[rows][];
            for (int r = 0; r < rows; r++) {
                float[] lp = logSoftmax(logits[r]);
                LogitsProcessors.process(c, badWords, lp, seq[r], cur, promptLen);
                scores[r] = new double[v];
                for (int t = 0; t < v; t++) scores[r][t] = lp[t] + beamScores[r];
            }
            int[] nextRows = new int[rows], nextTokens = new int[rows];
            double[] nextScores = new double[rows];
            for (int i = 0; i < b; i++) {
                if (done[i]) {
                    for (int j = 0; j < k; j++) {
                        nextRows[i * k + j] = i * k + j;
                        nextTokens[i * k + j] = c.padTokenId;
                    }
                    continue;
                }
                long[] top = topCandidates(scores, i * k, k, v, candidates);
                int filled = 0;
                double best = Double.NEGATIVE_INFINITY;
                for (int rank = 0; rank < top.length && filled < k; rank++) {
                    int row = i * k + (int) (top[rank] / v), token = (int) (top[rank] % v);
                    double s = scores[row][token];
                    best = Math.max(best, s);
                    if (c.eosTokenId.contains(token)) {
                        if (rank >= k) continue;
                        hyps[i].add(Arrays.copyOf(seq[row], cur), s, cur - promptLen);
                    } else {
                        nextRows[i * k + filled] = row;
                        nextTokens[i * k + filled] = token;
                        nextScores[i * k + filled] = s;
                        filled++;
                    }
                }
                done[i] = done[i] || hyps[i].isDone(best, cur - promptLen);
            }
            int[][] newSeq = new int[rows][];
            int[] newReal = new int[rows];
            for (int r = 0; r < rows; r++) {
                newSeq[r] = seq[nextRows[r]].clone();
                newSeq[r][cur] = nextTokens[r];
                newReal[r] = real[nextRows[r]] + 1;
            }
            seq = newSeq;
            real = newReal;
            beamScores = nextScores;
            cur++;
            boolean allDone = true;
            for (boolean d : done) allDone &= d;
            if (allDone || cur >= maxLen) break;
            cache.reorderRows(nextRows);
            int[][] ids = new int[rows][1], am = new int[rows][], pos = new int[rows][1];
            for (int r = 0; r < rows; r++) {
                ids[r][0] = nextTokens[r];
                am[r] = new int[]{1};
                pos[r][0] = real[r] - 1; // cumsum(mask) − 1 at the new token
            }
            out = g.model().forward(new IdeficsInputs().inputIds(ids).attentionMask(am).positionIds(pos)
                    .imageAttentionMask(lastImageRow).pastKeyValues(cache).useCache(true).lastLogitsOnly(true)
                    .reuseBuffers(true));
        }
        // finalize: running beams of unfinished requests compete with the finished hypotheses
        for (int i = 0; i < b; i++) {
            if (done[i]) continue;
            for (int j = 0; j < k; j++) hyps[i].add(Arrays.copyOf(seq[i * k + j], cur), beamScores[i * k + j], cur - promptLen);
        }
        List<int[]> best = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            List<Object[]> sorted = new ArrayList<>(hyps[i].beams);
            sorted.sort(Comparator.comparingDouble(x -> -(double) x[0]));
            for (int j = 0; j < c.numReturnSequences; j++) best.add((int[]) sorted.get(j)[1]);
        }
        int longest = best.stream().mapToInt(x -> x.length).max().orElse(promptLen);
        int width = Math.min(longest + 1, maxLen);
        int[][] result = new int[best.size()][width];
        for (int r = 0; r < result.length; r++) {
            int[] s = best.get(r);
            Arrays.fill(result[r], c.padTokenId);
            System.arraycopy(s, 0, result[r], 0, s.length);
            if (s.length < width) result[r][s.length] = c.eosTokenId.get(0);
        }
        return new GenerateOutput(result, null, promptLen);
    }

    private static float[] logSoftmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float f : x) max = Math.max(max, f);
        double s = 0;
        for (float f : x) s += Math.exp(f - max);
        double lse = max + Math.log(s);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (float) (x[i] - lse);
        return out;
    }

    /** The best {@code n} (row·V + token) candidates over the k beams starting at {@code row0}, best first. */
    private static long[] topCandidates(double[][] scores, int row0, int k, int v, int n) {
        int total = k * v;
        Integer[] idx = new Integer[total];
        for (int i = 0; i < total; i++) idx[i] = i;
        Arrays.sort(idx, (a, bb) -> Double.compare(scores[row0 + bb / v][bb % v], scores[row0 + a / v][a % v]));
        long[] out = new long[Math.min(n, total)];
        for (int i = 0; i < out.length; i++) out[i] = idx[i];
        return out;
    }
}
