package org.idefics4j.model;

import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Perceiver resampler: a fixed set of learned latents cross-attends (in {@code depth} blocks) to the
 * vision tokens and the latents themselves, turning any number of vision tokens into
 * {@code n_latents} image tokens. Every LayerNorm here uses eps 1e-5 whatever the config says.
 */
public final class IdeficsPerceiverResampler {
    private static final double EPS = 1e-5;
    final Tensor latents;            // [Lat, E]
    final List<Block> blocks;
    final LayerNorm layerNorm;       // [E]
    final int heads;
    final int headDim;

    /** blocks.{d}.0 (attention) and blocks.{d}.1 (MLP). */
    static final class Block {
        final LayerNorm contextLayerNorm; // [E]
        final LayerNorm latentsLayerNorm; // [E]
        final LayerNorm qLayerNorm;       // [pd] or null
        final LayerNorm kLayerNorm;       // [pd] or null
        final Linear qProj, kProj, vProj; // [Pin, E]
        final Linear outputProj;          // [E, Pin]
        final LayerNorm ln;               // [E]
        final Linear fc;                  // [4E, E]
        final Linear cProj;               // [E, 4E]

        Block(WeightLoader w, String p, int e, IdeficsPerceiverConfig c) {
            int inner = c.resamplerNHeads * c.resamplerHeadDim;
            contextLayerNorm = new LayerNorm(w, p + ".0.context_layer_norm", e, EPS);
            latentsLayerNorm = new LayerNorm(w, p + ".0.latents_layer_norm", e, EPS);
            qLayerNorm = c.qkLayerNormsPerceiver ? new LayerNorm(w, p + ".0.q_layer_norm", c.resamplerHeadDim, EPS) : null;
            kLayerNorm = c.qkLayerNormsPerceiver ? new LayerNorm(w, p + ".0.k_layer_norm", c.resamplerHeadDim, EPS) : null;
            qProj = new Linear(w, p + ".0.q_proj", e, inner, false);
            kProj = new Linear(w, p + ".0.k_proj", e, inner, false);
            vProj = new Linear(w, p + ".0.v_proj", e, inner, false);
            outputProj = new Linear(w, p + ".0.output_proj", inner, e, false);
            ln = new LayerNorm(w, p + ".1.ln", e, EPS);
            fc = new Linear(w, p + ".1.fc", e, 4 * e, false);
            cProj = new Linear(w, p + ".1.c_proj", 4 * e, e, false);
        }
    }

    IdeficsPerceiverResampler(WeightLoader w, String prefix, int embedDim, IdeficsPerceiverConfig c) {
        this.latents = w.dense(prefix + ".latents", c.resamplerNLatents, embedDim);
        this.blocks = new ArrayList<>();
        for (int d = 0; d < c.resamplerDepth; d++) blocks.add(new Block(w, prefix + ".blocks." + d, embedDim, c));
        this.layerNorm = new LayerNorm(w, prefix + ".layer_norm", embedDim, EPS);
        this.heads = c.resamplerNHeads;
        this.headDim = c.resamplerHeadDim;
    }

    /**
     * @param context vision tokens [M, S, E]
     * @return image tokens [M, Lat, E]
     */
    public Tensor forward(Tensor context) {
        int m = context.dim(0), s = context.dim(1), e = context.dim(2), nLat = latents.dim(0);
        Tensor lat = Tensor.zeros(m, nLat, e);
        for (int i = 0; i < m; i++) System.arraycopy(latents.data(), 0, lat.data(), i * nLat * e, nLat * e);
        for (Block b : blocks) {
            Tensor c = b.contextLayerNorm.forward(context);
            Tensor l = b.latentsLayerNorm.forward(lat);
            Tensor q = b.qProj.forward(l);
            Tensor kv = concatSeq(c, l); // context first, then the latents
            Tensor k = b.kProj.forward(kv);
            Tensor v = b.vProj.forward(kv);
            if (b.qLayerNorm != null) {
                q = b.qLayerNorm.forward(q.reshape(-1, headDim)).reshape(m, nLat, heads * headDim);
                k = b.kLayerNorm.forward(k.reshape(-1, headDim)).reshape(m, s + nLat, heads * headDim);
            }
            Tensor o = Kernels.attention(q, k, v, heads, (float) Math.pow(headDim, -0.5), null);
            Kernels.addInPlace(lat, b.outputProj.forward(o));
            Tensor f = b.fc.forward(b.ln.forward(lat));
            Kernels.activate(f, Kernels.Activation.RELU);
            Kernels.addInPlace(lat, b.cProj.forward(f));
        }
        return layerNorm.forward(lat);
    }

    private static Tensor concatSeq(Tensor a, Tensor b) {
        int m = a.dim(0), sa = a.dim(1), sb = b.dim(1), e = a.dim(2);
        Tensor out = Tensor.zeros(m, sa + sb, e);
        for (int i = 0; i < m; i++) {
            System.arraycopy(a.data(), i * sa * e, out.data(), i * (sa + sb) * e, sa * e);
            System.arraycopy(b.data(), i * sb * e, out.data(), (i * (sa + sb) + sa) * e, sb * e);
        }
        return out;
    }
}
