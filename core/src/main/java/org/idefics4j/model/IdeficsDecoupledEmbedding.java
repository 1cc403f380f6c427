package org.idefics4j.model;

import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;

/**
 * Token embedding split in two tables: the base vocabulary (ids below {@code vocab_size}, frozen in
 * fine-tuning) and {@code additional_vocab_size} extra rows (the image tokens), kept apart so they
 * can be trained alone.
 */
public final class IdeficsDecoupledEmbedding {
    final StoredTensor weight;               // [V, H]
    final StoredTensor additionalEmbedding;  // [A, H] or null
    final int vocabSize;
    final int hidden;

    IdeficsDecoupledEmbedding(WeightLoader w, String prefix, IdeficsConfig c) {
        this.vocabSize = c.vocabSize;
        this.hidden = c.hiddenSize;
        this.weight = w.stored(prefix + ".weight", c.vocabSize, c.hiddenSize);
        this.additionalEmbedding = c.additionalVocabSize > 0
                ? w.stored(prefix + ".additional_embedding.weight", c.additionalVocabSize, c.hiddenSize) : null;
    }

    public int totalVocab() {
        return vocabSize + (additionalEmbedding == null ? 0 : additionalEmbedding.dim(0));
    }

    /** ids [B][T] → [B, T, H]. */
    public Tensor forward(int[][] ids) {
        return forward(ids, Workspace.FRESH);
    }

    Tensor forward(int[][] ids, Workspace ws) {
        int b = ids.length, t = ids[0].length;
        Tensor out = ws.rank3(this, 0, b, t, hidden);
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                int id = ids[i][j];
                if (id < 0 || id >= totalVocab()) {
                    throw new IllegalArgumentException("input_ids[" + i + "][" + j + "] = " + id
                            + " is outside the vocabulary (0.." + (totalVocab() - 1) + ")");
                }
                int off = (i * t + j) * hidden;
                if (id < vocabSize) weight.readFloats((long) id * hidden, out.data(), off, hidden);
                else additionalEmbedding.readFloats((long) (id - vocabSize) * hidden, out.data(), off, hidden);
            }
        }
        return out;
    }
}
