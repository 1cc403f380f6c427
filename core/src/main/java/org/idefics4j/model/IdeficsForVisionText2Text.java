package org.idefics4j.model;

import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.safetensors.Checkpoint;
import org.idefics4j.engine.safetensors.CheckpointWriter;

import java.nio.file.Path;
import java.util.Map;

/**
 * IDEFICS with its language-model head: {@link IdeficsModel} + {@link IdeficsDecoupledLinear}, and
 * the next-token loss when labels are given. Loads the checkpoint folders transformers writes.
 */
public final class IdeficsForVisionText2Text {
    final IdeficsModel model;
    final IdeficsDecoupledLinear lmHead; // [V, H] + [A, H]
    private Map<String, StoredTensor> stateDict = Map.of();

    IdeficsForVisionText2Text(WeightLoader w, IdeficsConfig c) {
        this.model = new IdeficsModel(w, "model", c);
        StoredTensor head, extra = null;
        if (c.tieWordEmbeddings) {
            // tied: the head is the embedding matrix; a stored copy is checked and otherwise ignored
            if (w.has("lm_head.weight")) w.stored("lm_head.weight", c.vocabSize, c.hiddenSize);
            if (c.additionalVocabSize > 0 && w.has("lm_head.additional_fc.weight")) {
                w.stored("lm_head.additional_fc.weight", c.additionalVocabSize, c.hiddenSize);
            }
            head = model.embedTokens.weight;
            extra = model.embedTokens.additionalEmbedding;
        } else {
            head = w.stored("lm_head.weight", c.vocabSize, c.hiddenSize);
            if (c.additionalVocabSize > 0) extra = w.stored("lm_head.additional_fc.weight", c.additionalVocabSize, c.hiddenSize);
        }
        this.lmHead = new IdeficsDecoupledLinear(head, extra);
    }

    /** Loads config.json and the weights (single file or sharded) of a checkpoint folder. */
    public static IdeficsForVisionText2Text fromPretrained(Path folder) {
        return fromPretrained(folder, LoadOptions.DEFAULT);
    }

    /** Loads with a choice of in-memory weight dtype and a progress listener. */
    public static IdeficsForVisionText2Text fromPretrained(Path folder, LoadOptions options) {
        IdeficsConfig c = IdeficsConfig.fromPretrained(folder);
        Checkpoint ckpt = Checkpoint.open(folder);
        WeightLoader w = new WeightLoader(new java.util.LinkedHashMap<>(ckpt.tensors()), folder.toString()).withOptions(options);
        IdeficsForVisionText2Text m = new IdeficsForVisionText2Text(w, c);
        w.assertAllUsed();
        m.stateDict = w.used();
        return m;
    }

    /**
     * A model of this config with freshly initialised weights in {@code dtype} (F32, BF16 or F16):
     * for benchmarks and training from scratch.
     */
    public static IdeficsForVisionText2Text fromConfig(IdeficsConfig c, org.idefics4j.engine.DType dtype, long seed) {
        WeightLoader w = WeightLoader.initializing(new RandomInit(c, dtype, seed));
        IdeficsForVisionText2Text m = new IdeficsForVisionText2Text(w, c);
        m.stateDict = w.used();
        return m;
    }

    /** The parameters by their transformers names, in their storage dtype (a view, not a copy). */
    public Map<String, StoredTensor> stateDict() {
        return stateDict;
    }

    /**
     * Writes config.json and the weights as transformers' save_pretrained does: one
     * model.safetensors, or shards {@code model-0000k-of-0000n.safetensors} plus
     * model.safetensors.index.json once the weights pass {@code maxShardBytes}. Dtypes are kept.
     */
    public void savePretrained(Path folder, long maxShardBytes) {
        config().saveTo(folder);
        CheckpointWriter.write(folder, stateDict, maxShardBytes);
    }

    public IdeficsConfig config() {
        return model.config;
    }

    public IdeficsModel model() {
        return model;
    }

    public IdeficsCausalLMOutput forward(IdeficsInputs in) {
        if (in.lastLogitsOnly && in.labels != null) {
            throw new IllegalArgumentException("labels need the logits of every position; do not set lastLogitsOnly");
        }
        IdeficsModelOutput out = model.forward(in);
        Tensor h = out.lastHiddenState();
        Workspace ws = in.reuseBuffers && in.pastKeyValues != null ? in.pastKeyValues.workspace : Workspace.FRESH;
        Tensor logits = lmHead.forward(in.lastLogitsOnly ? lastPosition(h, ws) : h, ws);
        Double loss = in.labels == null ? null : loss(logits, in.labels, in.attentionMask);
        return new IdeficsCausalLMOutput(loss, logits, out.pastKeyValues(), out.hiddenStates(), out.imageHiddenStates(),
                out.lastHiddenState());
    }

    private Tensor lastPosition(Tensor h, Workspace ws) {
        int b = h.dim(0), t = h.dim(1), w = h.dim(2);
        Tensor out = ws.rank3(this, 0, b, 1, w);
        for (int i = 0; i < b; i++) System.arraycopy(h.data(), (i * t + t - 1) * w, out.data(), i * w, w);
        return out;
    }

    /**
     * Logits at position j−1 predict labels[j]; the mean cross-entropy over positions whose attention
     * mask is not 0 and whose label is not −100 (transformers 4.34–4.36).
     */
    static double loss(Tensor logits, int[][] labels, int[][] attentionMask) {
        int b = logits.dim(0), t = logits.dim(1), v = logits.dim(2);
        if (labels.length != b || labels[0].length != t) {
            throw new IllegalArgumentException("labels must be [" + b + ", " + t + "]");
        }
        float[] d = logits.data();
        double sum = 0;
        int count = 0;
        for (int i = 0; i < b; i++) {
            int[] mask = attentionMask == null ? null : attentionMask[i];
            int maskOff = mask == null ? 0 : mask.length - t; // with a cache, the last T columns
            for (int j = 1; j < t; j++) {
                if (mask != null && mask[maskOff + j] == 0) continue;
                int y = labels[i][j];
                if (y == -100) continue;
                if (y < 0 || y >= v) throw new IllegalArgumentException("labels[" + i + "][" + j + "] = " + y + " is outside the vocabulary");
                int row = (i * t + j - 1) * v;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < v; k++) max = Math.max(max, d[row + k]);
                double se = 0;
                for (int k = 0; k < v; k++) se += Math.exp(d[row + k] - max);
                sum += max + Math.log(se) - d[row + y];
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }
}
