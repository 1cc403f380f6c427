package org.idefics4j.model;

import org.idefics4j.engine.AttentionMask;
import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.Tensor;

/** A LLaMA decoder layer: pre-norm self-attention and SwiGLU MLP, each with a residual. */
public final class IdeficsDecoderLayer {
    final IdeficsRMSNorm inputLayernorm;         // [H]
    final IdeficsAttention selfAttn;
    final IdeficsRMSNorm postAttentionLayernorm; // [H]
    final IdeficsMLP mlp;                        // H → I → H
    final int index;

    IdeficsDecoderLayer(WeightLoader w, String prefix, IdeficsConfig c, int index) {
        this.inputLayernorm = new IdeficsRMSNorm(w, prefix + ".input_layernorm", c.hiddenSize, c.rmsNormEps);
        this.selfAttn = new IdeficsAttention(w, prefix + ".self_attn", c);
        this.postAttentionLayernorm = new IdeficsRMSNorm(w, prefix + ".post_attention_layernorm", c.hiddenSize, c.rmsNormEps);
        this.mlp = new IdeficsMLP(w, prefix + ".mlp", c.hiddenSize, c.intermediateSize, c.hiddenAct);
        this.index = index;
    }

    public Tensor forward(Tensor h, int[][] positions, AttentionMask mask, IdeficsCache cache, Workspace ws) {
        Tensor out = ws.like(this, 0, h);
        out.copyFrom(h);
        Kernels.addInPlace(out, selfAttn.forward(inputLayernorm.forward(h, ws), positions, mask, cache, index, ws));
        Kernels.addInPlace(out, mlp.forward(postAttentionLayernorm.forward(out, ws), ws));
        return out;
    }
}
