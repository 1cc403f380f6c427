package org.idefics4j.model;

import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;

/** {@code y = x·Wᵀ (+ b)}: W stays in its checkpoint storage format. */
public final class Linear {
    final StoredTensor weight; // [out, in]
    final Tensor bias;         // [out] or null

    Linear(WeightLoader w, String prefix, int in, int out, boolean bias) {
        this.weight = w.stored(prefix + ".weight", out, in);
        this.bias = bias ? w.dense(prefix + ".bias", out) : null;
    }

    public Tensor forward(Tensor x) {
        return forward(x, Workspace.FRESH);
    }

    public Tensor forward(Tensor x, Workspace ws) {
        return Kernels.linear(x, weight, bias, ws.rows(this, 0, x, weight.dim(0)));
    }
}
