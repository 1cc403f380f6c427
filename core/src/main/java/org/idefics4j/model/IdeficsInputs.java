package org.idefics4j.model;

import org.idefics4j.engine.Tensor;

/**
 * The arguments of {@code IdeficsModel.forward} / {@code IdeficsForVisionText2Text.forward}, named as
 * in transformers. Set what you have; leave the rest null.
 */
public final class IdeficsInputs {
    /** [B][T] token ids (or give {@link #inputsEmbeds}). */
    public int[][] inputIds;
    /** [B][P+T] (or [B][T] without cache): 1 = token, 0 = padding. Null: all ones. */
    public int[][] attentionMask;
    /** [B][T] rotary positions. Null: derived from the attention mask as transformers does. */
    public int[][] positionIds;
    /** The request's cache from an earlier call; keys/values and image keys/values are reused. */
    public IdeficsCache pastKeyValues;
    /** [B, T, H] embeddings instead of input ids. */
    public Tensor inputsEmbeds;
    /** [B, N, C, H, W] normalised images. */
    public Tensor pixelValues;
    /** [B, N, S, E] vision tower outputs (skips the vision tower). */
    public Tensor imageEncoderEmbeddings;
    /** [B, N, Lat, E] perceiver outputs (skips vision tower and perceiver; use_resampler only). */
    public Tensor perceiverEmbeddings;
    /** [B][T][N]: 1 where a token may attend image n. */
    public int[][][] imageAttentionMask;
    /** [B][T] target ids, -100 = ignored. */
    public int[][] labels;
    /** Return the cache (null: the config's use_cache). */
    public Boolean useCache;
    public boolean outputHiddenStates;
    /** Accepted for API parity; attention weights are not returned (as transformers' SDPA path). */
    public boolean outputAttentions;
    public boolean interpolatePosEncoding;
    /** Compute logits for the last position only ([B, 1, V + A]): all that generation needs. */
    public boolean lastLogitsOnly;
    /**
     * Write every activation and output into buffers of {@link #pastKeyValues}, reused call after
     * call (no tensor allocated per decoded token). The outputs are then valid only until the next
     * call with that cache.
     */
    public boolean reuseBuffers;

    public IdeficsInputs inputIds(int[][] v) { inputIds = v; return this; }
    public IdeficsInputs attentionMask(int[][] v) { attentionMask = v; return this; }
    public IdeficsInputs positionIds(int[][] v) { positionIds = v; return this; }
    public IdeficsInputs pastKeyValues(IdeficsCache v) { pastKeyValues = v; return this; }
    public IdeficsInputs inputsEmbeds(Tensor v) { inputsEmbeds = v; return this; }
    public IdeficsInputs pixelValues(Tensor v) { pixelValues = v; return this; }
    public IdeficsInputs imageEncoderEmbeddings(Tensor v) { imageEncoderEmbeddings = v; return this; }
    public IdeficsInputs perceiverEmbeddings(Tensor v) { perceiverEmbeddings = v; return this; }
    public IdeficsInputs imageAttentionMask(int[][][] v) { imageAttentionMask = v; return this; }
    public IdeficsInputs labels(int[][] v) { labels = v; return this; }
    public IdeficsInputs useCache(boolean v) { useCache = v; return this; }
    public IdeficsInputs outputHiddenStates(boolean v) { outputHiddenStates = v; return this; }
    public IdeficsInputs outputAttentions(boolean v) { outputAttentions = v; return this; }
    public IdeficsInputs interpolatePosEncoding(boolean v) { interpolatePosEncoding = v; return this; }
    public IdeficsInputs lastLogitsOnly(boolean v) { lastLogitsOnly = v; return this; }
    public IdeficsInputs reuseBuffers(boolean v) { reuseBuffers = v; return this; }
}
