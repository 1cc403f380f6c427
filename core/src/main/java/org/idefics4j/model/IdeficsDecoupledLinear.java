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
        return forward(h, Workspace.FRESH);
    }

    Tensor forward(Tensor h, Workspace ws) {
        if (additionalFc == null) return Kernels.matmul(h, weight, ws.rows(this, 0, h, weight.dim(0)));
        Tensor base = Kernels.matmul(h, weight, ws.rows(this, 1, h, weight.dim(0)));
        Tensor add = Kernels.matmul(h, additionalFc, ws.rows(this, 2, h, additionalFc.dim(0)));
        int v = weight.dim(0), a = additionalFc.dim(0), rows = base.numel() / v;
        Tensor out = ws.rows(this, 0, h, v + a);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(base.data(), r * v, out.data(), r * (v + a), v);
            System.arraycopy(add.data(), r * a, out.data(), r * (v + a) + v, a);
        }
        return out;
    }
}
