package org.idefics4j.model;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Configuration of the CLIP vision tower ({@code vision_config} in config.json). Field names and
 * defaults are those of transformers' {@code IdeficsVisionConfig}; {@code hidden_size} is read as an
 * alias of {@code embed_dim}.
 */
public final class IdeficsVisionConfig {
    public int embedDim = 768;
    public int imageSize = 224;
    public int intermediateSize = 5120;
    public int patchSize = 14;
    public int numHiddenLayers = 32;
    public int numAttentionHeads = 16;
    public int numChannels = 3;
    public String hiddenAct = "gelu";
    public double layerNormEps = 1e-5;
    public double attentionDropout = 0.0;
    public double initializerRange = 0.02;
    public double initializerFactor = 1.0;
    /** Keys we do not use, kept for the round trip. */
    public ObjectNode extra = JsonNodeFactory.instance.objectNode();

    static IdeficsVisionConfig fromJson(ObjectNode node, String where) {
        IdeficsVisionConfig c = new IdeficsVisionConfig();
        JsonFields f = new JsonFields(node, where);
        c.embedDim = f.getInt("embed_dim", f.getInt("hidden_size", c.embedDim));
        c.imageSize = f.getInt("image_size", c.imageSize);
        c.intermediateSize = f.getInt("intermediate_size", c.intermediateSize);
        c.patchSize = f.getInt("patch_size", c.patchSize);
        c.numHiddenLayers = f.getInt("num_hidden_layers", c.numHiddenLayers);
        c.numAttentionHeads = f.getInt("num_attention_heads", c.numAttentionHeads);
        c.numChannels = f.getInt("num_channels", c.numChannels);
        c.hiddenAct = f.getString("hidden_act", c.hiddenAct);
        c.layerNormEps = f.getDouble("layer_norm_eps", c.layerNormEps);
        c.attentionDropout = f.getDouble("attention_dropout", c.attentionDropout);
        c.initializerRange = f.getDouble("initializer_range", c.initializerRange);
        c.initializerFactor = f.getDouble("initializer_factor", c.initializerFactor);
        c.extra = f.rest();
        c.validate(where);
        return c;
    }

    void validate(String where) {
        IdeficsConfig.positive(where, "embed_dim", embedDim);
        IdeficsConfig.positive(where, "image_size", imageSize);
        IdeficsConfig.positive(where, "intermediate_size", intermediateSize);
        IdeficsConfig.positive(where, "patch_size", patchSize);
        IdeficsConfig.positive(where, "num_hidden_layers", numHiddenLayers);
        IdeficsConfig.positive(where, "num_attention_heads", numAttentionHeads);
        IdeficsConfig.positive(where, "num_channels", numChannels);
        if (embedDim % numAttentionHeads != 0) {
            throw new ConfigException(where + ": embed_dim " + embedDim + " is not a multiple of num_attention_heads "
                    + numAttentionHeads);
        }
        IdeficsConfig.checkActivation(where, "hidden_act", hiddenAct);
    }

    /** Number of vision tokens per image: the patches plus the class token. */
    public int numPositions() {
        int g = imageSize / patchSize;
        return g * g + 1;
    }

    ObjectNode toJson() {
        ObjectNode o = extra.deepCopy();
        o.put("embed_dim", embedDim);
        o.put("image_size", imageSize);
        o.put("intermediate_size", intermediateSize);
        o.put("patch_size", patchSize);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_channels", numChannels);
        o.put("hidden_act", hiddenAct);
        o.put("layer_norm_eps", layerNormEps);
        o.put("attention_dropout", attentionDropout);
        o.put("initializer_range", initializerRange);
        o.put("initializer_factor", initializerFactor);
        return o;
    }
}
