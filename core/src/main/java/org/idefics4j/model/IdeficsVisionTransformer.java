package org.idefics4j.model;

import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.Kernels.Activation;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The CLIP vision tower: patch embedding (a stride-p convolution without bias) + class token +
 * learned positions, {@code pre_layrnorm}, then pre-norm encoder layers. IDEFICS uses every output
 * token (class token included) of the last layer, without {@code post_layernorm}.
 */
public final class IdeficsVisionTransformer {
    final IdeficsVisionConfig config;
    final Tensor classEmbedding;        // [E]
    final StoredTensor patchEmbedding;  // [E, C·p·p]  (conv weight [E, C, p, p] flattened)
    final Tensor positionEmbedding;     // [Pos, E]
    final LayerNorm preLayrnorm;        // [E] (sic, transformers' spelling)
    final List<EncoderLayer> layers;
    final LayerNorm postLayernorm;      // [E], loaded for completeness, unused by IDEFICS

    /** A CLIP encoder layer: pre-norm bidirectional attention with biases and an MLP. */
    static final class EncoderLayer {
        final LayerNorm layerNorm1; // [E]
        final Linear qProj, kProj, vProj, outProj; // [E, E] + bias
        final LayerNorm layerNorm2; // [E]
        final Linear fc1;           // [I_v, E] + bias
        final Linear fc2;           // [E, I_v] + bias
        final Activation act;
        final int heads;

        EncoderLayer(WeightLoader w, String p, IdeficsVisionConfig c) {
            int e = c.embedDim;
            layerNorm1 = new LayerNorm(w, p + ".layer_norm1", e, c.layerNormEps);
            qProj = new Linear(w, p + ".self_attn.q_proj", e, e, true);
            kProj = new Linear(w, p + ".self_attn.k_proj", e, e, true);
            vProj = new Linear(w, p + ".self_attn.v_proj", e, e, true);
            outProj = new Linear(w, p + ".self_attn.out_proj", e, e, true);
            layerNorm2 = new LayerNorm(w, p + ".layer_norm2", e, c.layerNormEps);
            fc1 = new Linear(w, p + ".mlp.fc1", e, c.intermediateSize, true);
            fc2 = new Linear(w, p + ".mlp.fc2", c.intermediateSize, e, true);
            act = Activation.fromConfig(c.hiddenAct);
            heads = c.numAttentionHeads;
        }

        Tensor forward(Tensor h) {
            Tensor a = layerNorm1.forward(h);
            float scale = (float) Math.pow((double) h.dim(-1) / heads, -0.5);
            Tensor o = Kernels.attention(qProj.forward(a), kProj.forward(a), vProj.forward(a), heads, scale, null);
            Tensor out = h.copy();
            Kernels.addInPlace(out, outProj.forward(o));
            Tensor m = fc1.forward(layerNorm2.forward(out));
            Kernels.activate(m, act);
            Kernels.addInPlace(out, fc2.forward(m));
            return out;
        }
    }

    IdeficsVisionTransformer(WeightLoader w, String prefix, IdeficsVisionConfig c) {
        this.config = c;
        int e = c.embedDim, p = c.patchSize, ch = c.numChannels;
        this.classEmbedding = w.dense(prefix + ".embeddings.class_embedding", e);
        StoredTensor conv = w.stored(prefix + ".embeddings.patch_embedding.weight", e, ch, p, p);
        this.patchEmbedding = new StoredTensor(conv.name(), conv.dtype(), new int[]{e, ch * p * p}, conv.segment(), conv.source());
        this.positionEmbedding = w.dense(prefix + ".embeddings.position_embedding.weight", c.numPositions(), e);
        this.preLayrnorm = new LayerNorm(w, prefix + ".pre_layrnorm", e, c.layerNormEps);
        this.layers = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers; i++) layers.add(new EncoderLayer(w, prefix + ".encoder.layers." + i, c));
        this.postLayernorm = new LayerNorm(w, prefix + ".post_layernorm", e, c.layerNormEps);
    }

    /**
     * @param pixels [M, C, H, W]
     * @return the last encoder state [M, 1 + (H/p)·(W/p), E]
     */
    public Tensor forward(Tensor pixels, boolean interpolatePosEncoding) {
        return encode(embeddings(pixels, interpolatePosEncoding));
    }

    Tensor encode(Tensor embeddings) {
        Tensor h = preLayrnorm.forward(embeddings);
        for (EncoderLayer layer : layers) h = layer.forward(h);
        return h;
    }

    /** Patch embedding + class token + positions: [M, S, E]. */
    Tensor embeddings(Tensor pixels, boolean interpolatePosEncoding) {
        int m = pixels.dim(0), ch = pixels.dim(1), hi = pixels.dim(2), wi = pixels.dim(3);
        int p = config.patchSize, e = config.embedDim;
        if (ch != config.numChannels) {
            throw new IllegalArgumentException("pixel_values have " + ch + " channels, the vision config expects "
                    + config.numChannels);
        }
        if (!interpolatePosEncoding && (hi != config.imageSize || wi != config.imageSize)) {
            throw new IllegalArgumentException("Input image size (" + hi + "*" + wi + ") doesn't match model ("
                    + config.imageSize + "*" + config.imageSize + "). Set interpolate_pos_encoding to use other sizes.");
        }
        int gh = hi / p, gw = wi / p, np = gh * gw;
        // im2col: each patch becomes a row ordered (channel, row, column) like the conv weight
        Tensor cols = Tensor.zeros(m, np, ch * p * p);
        float[] src = pixels.data(), dst = cols.data();
        for (int mi = 0; mi < m; mi++)
            for (int i = 0; i < gh; i++)
                for (int j = 0; j < gw; j++) {
                    int row = ((mi * np) + i * gw + j) * ch * p * p;
                    for (int c = 0; c < ch; c++)
                        for (int u = 0; u < p; u++)
                            System.arraycopy(src, ((mi * ch + c) * hi + i * p + u) * wi + j * p, dst, row + (c * p + u) * p, p);
                }
        Tensor patches = Kernels.matmul(cols, patchEmbedding); // [M, np, E]
        Tensor pos = interpolatePosEncoding ? PositionInterpolation.interpolate(positionEmbedding, gh, gw, hi == wi,
                config.patchSize, hi, wi) : positionEmbedding;
        Tensor out = Tensor.zeros(m, np + 1, e);
        float[] o = out.data(), pd = patches.data(), ps = pos.data(), cls = classEmbedding.data();
        for (int mi = 0; mi < m; mi++) {
            int base = mi * (np + 1) * e;
            for (int k = 0; k < e; k++) o[base + k] = cls[k] + ps[k];
            for (int t = 0; t < np; t++)
                for (int k = 0; k < e; k++)
                    o[base + (t + 1) * e + k] = pd[(mi * np + t) * e + k] + ps[(t + 1) * e + k];
        }
        return out;
    }
}
