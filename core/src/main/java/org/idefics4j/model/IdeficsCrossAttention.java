package org.idefics4j.model;

import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.Tensor;

/**
 * Text-to-image attention of a gated cross-attention block: queries from the text, keys and values
 * from the image hidden states (width = vision embed_dim), optional per-head RMSNorm on q and k
 * ({@code qk_layer_norms}), no rotary, no causal mask. Each text token sees only the image tokens of
 * the images its row of {@code image_attention_mask} allows.
 */
public final class IdeficsCrossAttention {
    final int heads;
    final int headDim;
    final Linear qProj;            // [H, H]
    final Linear kProj;            // [H, E]
    final Linear vProj;            // [H, E]
    final Linear oProj;            // [H, H]
    final IdeficsRMSNorm qLayerNorm; // [hd] or null
    final IdeficsRMSNorm kLayerNorm; // [hd] or null

    /** Image keys and values [B, N·S, H], computed once per request. */
    record ImageKV(Tensor keys, Tensor values, int tokensPerImage) {
    }

    IdeficsCrossAttention(WeightLoader w, String prefix, IdeficsConfig c) {
        int h = c.hiddenSize, e = c.visionConfig.embedDim;
        this.heads = c.numAttentionHeads;
        this.headDim = c.headDim();
        this.qProj = new Linear(w, prefix + ".q_proj", h, h, false);
        this.kProj = new Linear(w, prefix + ".k_proj", e, h, false);
        this.vProj = new Linear(w, prefix + ".v_proj", e, h, false);
        this.oProj = new Linear(w, prefix + ".o_proj", h, h, false);
        this.qLayerNorm = c.qkLayerNorms ? new IdeficsRMSNorm(w, prefix + ".q_layer_norm", headDim, c.rmsNormEps) : null;
        this.kLayerNorm = c.qkLayerNorms ? new IdeficsRMSNorm(w, prefix + ".k_layer_norm", headDim, c.rmsNormEps) : null;
    }

    /** Projects the image hidden states [B, N·S, E] to keys and values (normalised keys with qk norms). */
    ImageKV imageKeysValues(Tensor images, int tokensPerImage) {
        Tensor k = kProj.forward(images);
        if (kLayerNorm != null) k = perHead(kLayerNorm, k);
        return new ImageKV(k, vProj.forward(images), tokensPerImage);
    }

    /**
     * @param x     [B, T, H]
     * @param kv    the request's image keys/values
     * @param imageMask [B][T][N]: 1 where token t may see image n
     * @return [B, T, H]; rows of tokens that see no image are exactly zero (the v4.36 gate)
     */
    public Tensor forward(Tensor x, ImageKV kv, int[][][] imageMask, Workspace ws) {
        Tensor q = qProj.forward(x, ws);
        if (qLayerNorm != null) q = perHead(qLayerNorm, q);
        int s = kv.tokensPerImage();
        Tensor keys = kv.keys();
        Tensor o = Kernels.attention(q, keys.data(), kv.values().data(), keys.dim(1), keys.dim(1), heads,
                (float) (1.0 / Math.sqrt(headDim)), (b, i, scores, off) -> {
                    int[] allowed = imageMask[b][i];
                    for (int n = 0; n < allowed.length; n++) {
                        if (allowed[n] == 0) {
                            java.util.Arrays.fill(scores, off + n * s, off + (n + 1) * s, Float.NEGATIVE_INFINITY);
                        }
                    }
                }, ws.like(this, 0, q));
        Tensor out = oProj.forward(o, ws);
        // cross_attention_gate: a token that attends to no image gets no cross-attention at all
        int t = x.dim(1), width = x.dim(2);
        float[] d = out.data();
        for (int b = 0; b < imageMask.length; b++) {
            for (int i = 0; i < t; i++) {
                if (!anyImage(imageMask[b][i])) java.util.Arrays.fill(d, (b * t + i) * width, (b * t + i + 1) * width, 0f);
            }
        }
        return out;
    }

    static boolean anyImage(int[] row) {
        for (int v : row) if (v != 0) return true;
        return false;
    }

    /** RMSNorm applied to each head slice [.., hd] of x [.., heads·hd]. */
    private Tensor perHead(IdeficsRMSNorm norm, Tensor x) {
        int[] shape = x.shape();
        Tensor y = norm.forward(x.reshape(-1, headDim));
        return y.reshape(shape);
    }
}
