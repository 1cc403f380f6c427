package org.idefics4j.model;

import org.idefics4j.engine.AttentionMask;
import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.safetensors.Checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The IDEFICS backbone: vision tower → (perceiver resampler) → image tokens, and the LLaMA decoder
 * whose layers are preceded, every {@code cross_layer_interval} layers, by a gated cross-attention
 * block over those image tokens. Immutable once loaded: one instance serves many threads, each
 * request carrying its own {@link IdeficsCache}.
 */
public final class IdeficsModel {
    final IdeficsConfig config;
    final IdeficsDecoupledEmbedding embedTokens;                 // [V, H] + [A, H]
    final IdeficsVisionTransformer visionModel;
    final IdeficsPerceiverResampler perceiverResampler;          // null unless use_resampler
    final List<IdeficsGatedCrossAttentionLayer> gatedCrossAttnLayers; // L / interval blocks
    final List<IdeficsDecoderLayer> layers;                      // L layers
    final IdeficsRMSNorm norm;                                   // [H]

    IdeficsModel(WeightLoader w, String prefix, IdeficsConfig c) {
        String p = prefix.isEmpty() ? "" : prefix + ".";
        this.config = c;
        this.embedTokens = new IdeficsDecoupledEmbedding(w, p + "embed_tokens", c);
        this.visionModel = new IdeficsVisionTransformer(w, p + "vision_model", c.visionConfig);
        this.perceiverResampler = c.useResampler
                ? new IdeficsPerceiverResampler(w, p + "perceiver_resampler", c.visionConfig.embedDim, c.perceiverConfig) : null;
        this.gatedCrossAttnLayers = new ArrayList<>();
        for (int i = 0; i < c.numCrossLayers(); i++) {
            gatedCrossAttnLayers.add(new IdeficsGatedCrossAttentionLayer(w, p + "gated_cross_attn_layers." + i, c));
        }
        this.layers = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers; i++) layers.add(new IdeficsDecoderLayer(w, p + "layers." + i, c, i));
        this.norm = new IdeficsRMSNorm(w, p + "norm", c.hiddenSize, c.rmsNormEps);
    }

    /** Loads a checkpoint folder saved from {@code IdeficsModel} (keys without prefix) or from the LM. */
    public static IdeficsModel fromPretrained(Path folder) {
        IdeficsConfig c = IdeficsConfig.fromPretrained(folder);
        Checkpoint ckpt = Checkpoint.open(folder);
        boolean prefixed = ckpt.contains("model.norm.weight");
        WeightLoader w = new WeightLoader(ckpt.tensors(), folder.toString());
        IdeficsModel m = new IdeficsModel(w, prefixed ? "model" : "", c);
        if (prefixed) {
            w.stored("lm_head.weight", c.vocabSize, c.hiddenSize); // part of the checkpoint, not of this model
            if (c.additionalVocabSize > 0 && w.has("lm_head.additional_fc.weight")) {
                w.stored("lm_head.additional_fc.weight", c.additionalVocabSize, c.hiddenSize);
            }
        }
        w.assertAllUsed();
        return m;
    }

    public IdeficsConfig config() {
        return config;
    }

    public IdeficsModelOutput forward(IdeficsInputs in) {
        // ---- text embeddings
        Tensor h;
        if ((in.inputIds == null) == (in.inputsEmbeds == null)) {
            throw new IllegalArgumentException("give exactly one of input_ids and inputs_embeds");
        }
        Workspace ws = in.reuseBuffers && in.pastKeyValues != null ? in.pastKeyValues.workspace : Workspace.FRESH;
        if (in.inputIds != null) {
            checkRectangular(in.inputIds, "input_ids");
            h = embedTokens.forward(in.inputIds, ws);
        } else {
            h = in.inputsEmbeds;
            if (h.rank() != 3 || h.dim(2) != config.hiddenSize) {
                throw new IllegalArgumentException("inputs_embeds must be [B, T, " + config.hiddenSize + "], got " + h);
            }
        }
        int b = h.dim(0), t = h.dim(1);
        boolean useCache = in.useCache != null ? in.useCache : config.useCache;
        IdeficsCache cache = in.pastKeyValues != null ? in.pastKeyValues
                : new IdeficsCache(config.numHiddenLayers, b, config.hiddenSize, t);
        if (cache.batchSize() != b) {
            throw new IllegalArgumentException("past_key_values hold " + cache.batchSize() + " rows, the input has " + b);
        }
        int past = cache.length();

        // ---- masks and positions (the cache remembers the padding of earlier positions)
        if (in.attentionMask != null && in.attentionMask.length != b) {
            throw new IllegalArgumentException("attention_mask has " + in.attentionMask.length + " rows, expected " + b);
        }
        cache.reserve(t);
        int[][] keyMask = cache.updateKeyMask(in.attentionMask, t);
        int[][] positions = in.positionIds != null ? checkPositions(in.positionIds, b, t) : positions(keyMask, past + t, t);
        AttentionMask selfMask = AttentionMask.causal(keyMask, past, past + t);

        // ---- image tokens: computed once per request, then reused from the cache
        Tensor imageStates = imageHiddenStates(in, b, cache);
        int numImages = imageStates.dim(1), tokensPerImage = imageStates.dim(2);
        int[][][] imageMask = imageMask(in.imageAttentionMask, b, t, numImages);

        // ---- decoder stack, a gated cross-attention block before every interval-th layer
        List<Tensor> hidden = in.outputHiddenStates ? new ArrayList<>() : null;
        for (int l = 0; l < layers.size(); l++) {
            if (hidden != null) hidden.add(h);
            if (l % config.crossLayerInterval == 0) {
                int c = l / config.crossLayerInterval;
                h = gatedCrossAttnLayers.get(c).forward(h, cache.imageKV[c], imageMask, ws);
            }
            h = layers.get(l).forward(h, positions, selfMask, cache, ws);
        }
        cache.advance(t);
        h = norm.forward(h, ws);
        if (hidden != null) hidden.add(h);
        return new IdeficsModelOutput(h, useCache ? cache : null, hidden, imageStates);
    }

    private Tensor imageHiddenStates(IdeficsInputs in, int b, IdeficsCache cache) {
        int given = (in.pixelValues != null ? 1 : 0) + (in.imageEncoderEmbeddings != null ? 1 : 0)
                + (in.perceiverEmbeddings != null ? 1 : 0);
        if (given == 0 && cache.imageKV != null) return cache.imageHiddenStates;
        Tensor states = encodeImages(in, b);
        Tensor flat = states.reshape(b, states.dim(1) * states.dim(2), states.dim(3));
        IdeficsCrossAttention.ImageKV[] kv = new IdeficsCrossAttention.ImageKV[gatedCrossAttnLayers.size()];
        for (int c = 0; c < kv.length; c++) kv[c] = gatedCrossAttnLayers.get(c).crossAttn.imageKeysValues(flat, states.dim(2));
        cache.imageKV = kv;
        cache.imageHiddenStates = states;
        return states;
    }

    /**
     * The image tokens the cross-attention sees, [B, N, S, E]: the vision tower (and perceiver) on
     * {@code pixel_values}, the perceiver on {@code image_encoder_embeddings}, or the given
     * {@code perceiver_embeddings}. Exactly one of the three must be set.
     */
    public Tensor encodeImages(IdeficsInputs in, int b) {
        int given = (in.pixelValues != null ? 1 : 0) + (in.imageEncoderEmbeddings != null ? 1 : 0)
                + (in.perceiverEmbeddings != null ? 1 : 0);
        if (given > 1) {
            throw new IllegalArgumentException("give exactly one of pixel_values, image_encoder_embeddings and perceiver_embeddings");
        }
        if (given == 0) {
            throw new IllegalArgumentException("give one of pixel_values, image_encoder_embeddings or perceiver_embeddings"
                    + " (a text-only batch takes one all-zero image and an all-zero image_attention_mask)");
        }
        Tensor states;
        if (in.pixelValues != null) {
            Tensor px = in.pixelValues;
            if (px.rank() != 5 || px.dim(0) != b) {
                throw new IllegalArgumentException("pixel_values must be [B=" + b + ", N, C, H, W], got " + px);
            }
            int n = px.dim(1);
            Tensor flat = px.reshape(b * n, px.dim(2), px.dim(3), px.dim(4));
            states = visionModel.forward(flat, in.interpolatePosEncoding);
            if (perceiverResampler != null) states = perceiverResampler.forward(states);
            states = states.reshape(b, n, states.dim(1), states.dim(2));
        } else if (in.imageEncoderEmbeddings != null) {
            Tensor e = in.imageEncoderEmbeddings;
            checkImageTensor(e, "image_encoder_embeddings", b);
            states = e;
            if (perceiverResampler != null) {
                Tensor r = perceiverResampler.forward(e.reshape(b * e.dim(1), e.dim(2), e.dim(3)));
                states = r.reshape(b, e.dim(1), r.dim(1), r.dim(2));
            }
        } else {
            if (perceiverResampler == null) {
                throw new IllegalArgumentException("perceiver_embeddings need a model with use_resampler=true");
            }
            checkImageTensor(in.perceiverEmbeddings, "perceiver_embeddings", b);
            states = in.perceiverEmbeddings;
        }
        return states;
    }

    private void checkImageTensor(Tensor e, String name, int b) {
        if (e.rank() != 4 || e.dim(0) != b || e.dim(3) != config.visionConfig.embedDim) {
            throw new IllegalArgumentException(name + " must be [B=" + b + ", N, S, " + config.visionConfig.embedDim
                    + "], got " + e);
        }
    }

    /**
     * cumsum(mask) − 1 with padding at 1, for the last {@code t} of the first {@code total} keys
     * (transformers' rule).
     */
    static int[][] positions(int[][] keyMask, int total, int t) {
        int b = keyMask.length;
        int[][] pos = new int[b][t];
        for (int i = 0; i < b; i++) {
            int run = 0;
            for (int j = 0; j < total; j++) {
                run += keyMask[i][j];
                if (j >= total - t) pos[i][j - (total - t)] = keyMask[i][j] == 0 ? 1 : run - 1;
            }
        }
        return pos;
    }

    private static int[][] checkPositions(int[][] pos, int b, int t) {
        if (pos.length == 1 && b > 1 && pos[0].length == t) {
            int[][] out = new int[b][];
            for (int i = 0; i < b; i++) out[i] = pos[0];
            return out;
        }
        if (pos.length != b || pos[0].length != t) {
            throw new IllegalArgumentException("position_ids must be [" + b + ", " + t + "] or [1, " + t + "]");
        }
        return pos;
    }

    private int[][][] imageMask(int[][][] m, int b, int t, int n) {
        if (m == null) throw new IllegalArgumentException("image_attention_mask is required ([B, T, N] of 0/1)");
        if (m.length != b) throw new IllegalArgumentException("image_attention_mask has " + m.length + " rows, expected " + b);
        for (int i = 0; i < b; i++) {
            if (m[i].length != t) {
                throw new IllegalArgumentException("image_attention_mask row " + i + " covers " + m[i].length
                        + " tokens, the input has " + t);
            }
            for (int[] tok : m[i]) {
                if (tok.length != n) {
                    throw new IllegalArgumentException("image_attention_mask has " + tok.length + " image columns, the input has "
                            + n + " images per row");
                }
            }
        }
        return m;
    }

    private static void checkRectangular(int[][] ids, String name) {
        if (ids.length == 0 || ids[0].length == 0) throw new IllegalArgumentException(name + " is empty");
        for (int[] row : ids) {
            if (row.length != ids[0].length) throw new IllegalArgumentException(name + " rows differ in length");
        }
    }
}
