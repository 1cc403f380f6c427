package org.idefics4j.model;

import org.idefics4j.engine.AttentionMask;
import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.Tensor;

/**
 * Causal multi-head self-attention of a decoder layer (LLaMA): q/k/v projections without bias,
 * rotary positions on q and k, keys and values appended to the request's cache, output projection.
 */
public final class IdeficsAttention {
    final int heads;
    final int headDim;
    final Linear qProj; // [H, H]
    final Linear kProj; // [H, H]
    final Linear vProj; // [H, H]
    final Linear oProj; // [H, H]
    final RotaryEmbedding rotary;

    IdeficsAttention(WeightLoader w, String prefix, IdeficsConfig c) {
        int h = c.hiddenSize;
        this.heads = c.numAttentionHeads;
        this.headDim = c.headDim();
        this.qProj = new Linear(w, prefix + ".q_proj", h, h, false);
        this.kProj = new Linear(w, prefix + ".k_proj", h, h, false);
        this.vProj = new Linear(w, prefix + ".v_proj", h, h, false);
        this.oProj = new Linear(w, prefix + ".o_proj", h, h, false);
        this.rotary = new RotaryEmbedding(headDim);
    }

    /**
     * @param x         [B, T, H]
     * @param positions [B][T] rotary positions
     * @param mask      causal and padding mask over the P + T keys
     * @param cache     the request's cache (keys/values of earlier positions are read, these appended)
     * @param layer     this layer's index in the cache
     */
    public Tensor forward(Tensor x, int[][] positions, AttentionMask mask, IdeficsCache cache, int layer, Workspace ws) {
        Tensor q = qProj.forward(x, ws);
        Tensor k = kProj.forward(x, ws);
        Tensor v = vProj.forward(x, ws);
        rotary.apply(q, positions);
        rotary.apply(k, positions);
        cache.write(layer, k, v);
        int tk = cache.length() + x.dim(1);
        Tensor o = Kernels.attention(q, cache.keys(layer), cache.values(layer), cache.capacity(), tk, heads,
                (float) (1.0 / Math.sqrt(headDim)), mask, ws.like(this, 0, q));
        return oProj.forward(o, ws);
    }
}
