package org.idefics4j.model;

import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;

/**
 * The LM head: logits of the base vocabulary followed by those of the additional tokens
 * ({@code lm_head.weight} and {@code lm_head.additional_fc.weight}), so logit {@code V + j} is extra
 * token {@code j}. No bias.
 */
public final class IdeficsDecoupledLinear {
    final StoredTensor weight;        // [V, H]
    final StoredTensor additionalFc;  // [A, H] or null

    IdeficsDecoupledLinear(StoredTensor weight, StoredTensor additionalFc) {
        this.weight = weight;
        this.additionalFc = additionalFc;
    }

    public int outFeatures() {
        return weight.dim(0) + (additionalFc == null ? 0 : additionalFc.dim(0));
    }

    /** h [.., H] → logits [.., V + A]. */
    public Tensor forward(Tensor h) {
        Tensor base = Kernels.matmul(h, weight);
        if (additionalFc == null) return base;
        Tensor add = Kernels.matmul(h, additionalFc);
        int v = weight.dim(0), a = additionalFc.dim(0), rows = base.numel() / v;
        int[] shape = h.shape();
        shape[shape.length - 1] = v + a;
        Tensor out = Tensor.zeros(shape);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(base.data(), r * v, out.data(), r * (v + a), v);
            System.arraycopy(add.data(), r * a, out.data(), r * (v + a) + v, a);
        }
        return out;
    }
}
