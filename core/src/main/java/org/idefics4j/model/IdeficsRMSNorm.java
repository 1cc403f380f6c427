package org.idefics4j.model;

import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.Tensor;

/** RMSNorm of the text side: {@code w ⊙ x / sqrt(mean(x²) + eps)}, no bias, no mean subtraction. */
public final class IdeficsRMSNorm {
    final Tensor weight; // [n]
    final float eps;

    IdeficsRMSNorm(WeightLoader w, String prefix, int n, double eps) {
        this.weight = w.dense(prefix + ".weight", n);
        this.eps = (float) eps;
    }

    public Tensor forward(Tensor x) {
        return forward(x, Workspace.FRESH);
    }

    public Tensor forward(Tensor x, Workspace ws) {
        return Kernels.rmsNorm(x, weight, eps, ws.like(this, 0, x));
    }
}
