package org.idefics4j.model;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Configuration of the perceiver resampler ({@code perceiver_config} in config.json), as
 * transformers' {@code IdeficsPerceiverConfig}. Its own {@code use_resampler} is ignored by the
 * model, which reads the top-level flag.
 */
public final class IdeficsPerceiverConfig {
    public boolean useResampler = false;
    public int resamplerNLatents = 64;
    public int resamplerDepth = 6;
    public int resamplerNHeads = 16;
    public int resamplerHeadDim = 96;
    public boolean qkLayerNormsPerceiver = false;
    public ObjectNode extra = JsonNodeFactory.instance.objectNode();

    static IdeficsPerceiverConfig fromJson(ObjectNode node, String where) {
        IdeficsPerceiverConfig c = new IdeficsPerceiverConfig();
        JsonFields f = new JsonFields(node, where);
        c.useResampler = f.getBoolean("use_resampler", c.useResampler);
        c.resamplerNLatents = f.getInt("resampler_n_latents", c.resamplerNLatents);
        c.resamplerDepth = f.getInt("resampler_depth", c.resamplerDepth);
        c.resamplerNHeads = f.getInt("resampler_n_heads", c.resamplerNHeads);
        c.resamplerHeadDim = f.getInt("resampler_head_dim", c.resamplerHeadDim);
        c.qkLayerNormsPerceiver = f.getBoolean("qk_layer_norms_perceiver", c.qkLayerNormsPerceiver);
        c.extra = f.rest();
        c.validate(where);
        return c;
    }

    void validate(String where) {
        IdeficsConfig.positive(where, "resampler_n_latents", resamplerNLatents);
        IdeficsConfig.positive(where, "resampler_depth", resamplerDepth);
        IdeficsConfig.positive(where, "resampler_n_heads", resamplerNHeads);
        IdeficsConfig.positive(where, "resampler_head_dim", resamplerHeadDim);
    }

    ObjectNode toJson() {
        ObjectNode o = extra.deepCopy();
        o.put("use_resampler", useResampler);
        o.put("resampler_n_latents", resamplerNLatents);
        o.put("resampler_depth", resamplerDepth);
        o.put("resampler_n_heads", resamplerNHeads);
        o.put("resampler_head_dim", resamplerHeadDim);
        o.put("qk_layer_norms_perceiver", qkLayerNormsPerceiver);
        return o;
    }
}
