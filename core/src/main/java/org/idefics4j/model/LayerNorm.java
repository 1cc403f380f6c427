package org.idefics4j.model;

import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.Tensor;

/** LayerNorm with weight and bias (vision tower and perceiver). */
public final class LayerNorm {
    final Tensor weight; // [n]
    final Tensor bias;   // [n]
    final float eps;

    LayerNorm(WeightLoader w, String prefix, int n, double eps) {
        this.weight = w.dense(prefix + ".weight", n);
        this.bias = w.dense(prefix + ".bias", n);
        this.eps = (float) eps;
    }

    public Tensor forward(Tensor x) {
        return Kernels.layerNorm(x, weight, bias, eps);
    }
}
