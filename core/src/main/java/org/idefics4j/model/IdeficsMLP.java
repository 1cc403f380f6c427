package org.idefics4j.model;

import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.Kernels.Activation;
import org.idefics4j.engine.Tensor;

/** SwiGLU feed-forward of decoder layers and gated cross-attention blocks: {@code down(act(gate(x)) ⊙ up(x))}. */
public final class IdeficsMLP {
    final Linear gateProj; // [I, H]
    final Linear upProj;   // [I, H]
    final Linear downProj; // [H, I]
    final Activation act;

    IdeficsMLP(WeightLoader w, String prefix, int hidden, int intermediate, String hiddenAct) {
        this.gateProj = new Linear(w, prefix + ".gate_proj", hidden, intermediate, false);
        this.upProj = new Linear(w, prefix + ".up_proj", hidden, intermediate, false);
        this.downProj = new Linear(w, prefix + ".down_proj", intermediate, hidden, false);
        this.act = Activation.fromConfig(hiddenAct);
    }

    public Tensor forward(Tensor x, Workspace ws) {
        Tensor g = gateProj.forward(x, ws);
        Kernels.activate(g, act);
        Kernels.mulInPlace(g, upProj.forward(x, ws));
        return downProj.forward(g, ws);
    }
}
