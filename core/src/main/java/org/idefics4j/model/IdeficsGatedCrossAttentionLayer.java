package org.idefics4j.model;

import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.Tensor;

/**
 * The Flamingo block inserted before every {@code cross_layer_interval}-th decoder layer:
 * cross-attention to the images and a SwiGLU MLP, each added through a {@code tanh(alpha)} gate
 * (one scalar for alpha_type "float", one per channel for "vector").
 */
public final class IdeficsGatedCrossAttentionLayer {
    final float[] alphaCrossAttn;                // tanh already applied: [1] or [H]
    final float[] alphaDense;                    // [1] or [H]
    final IdeficsRMSNorm inputLayernorm;         // [H]
    final IdeficsCrossAttention crossAttn;
    final IdeficsRMSNorm postAttentionLayernorm; // [H]
    final IdeficsMLP mlp;

    IdeficsGatedCrossAttentionLayer(WeightLoader w, String prefix, IdeficsConfig c) {
        int[] alphaShape = c.alphaType.equals("vector") ? new int[]{1, 1, c.hiddenSize} : new int[]{1};
        this.alphaCrossAttn = tanh(w.dense(prefix + ".alpha_cross_attn", alphaShape));
        this.alphaDense = tanh(w.dense(prefix + ".alpha_dense", alphaShape));
        this.inputLayernorm = new IdeficsRMSNorm(w, prefix + ".input_layernorm", c.hiddenSize, c.rmsNormEps);
        this.crossAttn = new IdeficsCrossAttention(w, prefix + ".cross_attn", c);
        this.postAttentionLayernorm = new IdeficsRMSNorm(w, prefix + ".post_attention_layernorm", c.hiddenSize, c.rmsNormEps);
        this.mlp = new IdeficsMLP(w, prefix + ".mlp", c.hiddenSize, c.intermediateSize, c.hiddenAct);
    }

    private static float[] tanh(Tensor alpha) {
        float[] a = alpha.data().clone();
        for (int i = 0; i < a.length; i++) a[i] = (float) Math.tanh(a[i]);
        return a;
    }

    public Tensor forward(Tensor h, IdeficsCrossAttention.ImageKV kv, int[][][] imageMask, Workspace ws) {
        Tensor out = ws.like(this, 0, h);
        out.copyFrom(h);
        Kernels.addScaled(out, crossAttn.forward(inputLayernorm.forward(h, ws), kv, imageMask, ws), alphaCrossAttn);
        Kernels.addScaled(out, mlp.forward(postAttentionLayernorm.forward(out, ws), ws), alphaDense);
        return out;
    }
}
