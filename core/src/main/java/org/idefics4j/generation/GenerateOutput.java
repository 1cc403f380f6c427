package org.idefics4j.generation;

import java.util.List;

/**
 * @param sequences [B·num_return_sequences][prompt + generated] token ids (finished rows padded)
 * @param scores    per step, the processed next-token scores [rows][V + A] (greedy and sampling;
 *                  null for beam search)
 * @param promptLength length of the (padded) prompt at the start of every sequence
 */
public record GenerateOutput(int[][] sequences, List<float[][]> scores, int promptLength) {
    /** The generated part of row {@code r}, without the prompt. */
    public int[] generated(int r) {
        return java.util.Arrays.copyOfRange(sequences[r], promptLength, sequences[r].length);
    }
}
