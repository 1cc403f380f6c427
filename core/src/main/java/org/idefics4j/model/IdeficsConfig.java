package org.idefics4j.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.idefics4j.engine.Kernels;
import org.idefics4j.engine.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * The model configuration ({@code config.json}), mirroring transformers' {@code IdeficsConfig}: every
 * field and default of the documentation, the nested {@code vision_config} and
 * {@code perceiver_config}, and every unknown key kept for the round trip.
 */
public final class IdeficsConfig {
    public static final String FILE_NAME = "config.json";

    public int vocabSize = 32000;
    public int additionalVocabSize = 0;
    public int hiddenSize = 4096;
    public int intermediateSize = 11008;
    public int numHiddenLayers = 32;
    public int numAttentionHeads = 32;
    public double dropout = 0.0;
    public String hiddenAct = "silu";
    public double initializerRange = 0.02;
    public String alphaInitializer = "zeros";
    public double alphasInitializerRange = 0.0;
    public String alphaType = "float";
    public double rmsNormEps = 1e-6;
    public boolean useCache = true;
    public int padTokenId = 0;
    public int bosTokenId = 1;
    public int eosTokenId = 2;
    public boolean tieWordEmbeddings = false;
    public int crossLayerInterval = 1;
    public boolean qkLayerNorms = false;
    public boolean freezeTextLayers = true;
    public List<String> freezeTextModuleExceptions = new ArrayList<>();
    public boolean freezeLmHead = false;
    public boolean freezeVisionLayers = true;
    public List<String> freezeVisionModuleExceptions = new ArrayList<>();
    public boolean useResampler = false;
    public IdeficsVisionConfig visionConfig = new IdeficsVisionConfig();
    public IdeficsPerceiverConfig perceiverConfig = new IdeficsPerceiverConfig();
    /** Keys we do not use ({@code architectures}, {@code torch_dtype}, {@code transformers_version}...). */
    public ObjectNode extra = JsonNodeFactory.instance.objectNode();

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> FREEZE_EXCEPTIONS = Set.of("LayerNorm", "Linear", "Embedding");

    /** Reads {@code folder/config.json}. */
    public static IdeficsConfig fromPretrained(Path folder) {
        Path file = Files.isDirectory(folder) ? folder.resolve(FILE_NAME) : folder;
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return fromJson(text, file.toString());
    }

    public static IdeficsConfig fromJson(String json, String where) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (IOException e) {
            throw new ConfigException(where + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (node == null || !node.isObject()) throw new ConfigException(where + ": not a JSON object");
        return fromJson((ObjectNode) node, where);
    }

    static IdeficsConfig fromJson(ObjectNode node, String where) {
        IdeficsConfig c = new IdeficsConfig();
        JsonFields f = new JsonFields(node, where);
        c.vocabSize = f.getInt("vocab_size", c.vocabSize);
        c.additionalVocabSize = f.getInt("additional_vocab_size", c.additionalVocabSize);
        c.hiddenSize = f.getInt("hidden_size", c.hiddenSize);
        c.intermediateSize = f.getInt("intermediate_size", c.intermediateSize);
        c.numHiddenLayers = f.getInt("num_hidden_layers", c.numHiddenLayers);
        c.numAttentionHeads = f.getInt("num_attention_heads", c.numAttentionHeads);
        c.dropout = f.getDouble("dropout", c.dropout);
        c.hiddenAct = f.getString("hidden_act", c.hiddenAct);
        c.initializerRange = f.getDouble("initializer_range", c.initializerRange);
        c.alphaInitializer = f.getString("alpha_initializer", c.alphaInitializer);
        c.alphasInitializerRange = f.getDouble("alphas_initializer_range", c.alphasInitializerRange);
        c.alphaType = f.getString("alpha_type", c.alphaType);
        c.rmsNormEps = f.getDouble("rms_norm_eps", c.rmsNormEps);
        c.useCache = f.getBoolean("use_cache", c.useCache);
        c.padTokenId = f.getInt("pad_token_id", c.padTokenId);
        c.bosTokenId = f.getInt("bos_token_id", c.bosTokenId);
        c.eosTokenId = f.getInt("eos_token_id", c.eosTokenId);
        c.tieWordEmbeddings = f.getBoolean("tie_word_embeddings", c.tieWordEmbeddings);
        c.crossLayerInterval = f.getInt("cross_layer_interval", c.crossLayerInterval);
        c.qkLayerNorms = f.getBoolean("qk_layer_norms", c.qkLayerNorms);
        c.freezeTextLayers = f.getBoolean("freeze_text_layers", c.freezeTextLayers);
        c.freezeTextModuleExceptions = f.getStringList("freeze_text_module_exceptions");
        c.freezeLmHead = f.getBoolean("freeze_lm_head", c.freezeLmHead);
        c.freezeVisionLayers = f.getBoolean("freeze_vision_layers", c.freezeVisionLayers);
        c.freezeVisionModuleExceptions = f.getStringList("freeze_vision_module_exceptions");
        c.useResampler = f.getBoolean("use_resampler", c.useResampler);
        ObjectNode vision = f.getObject("vision_config");
        if (vision != null) c.visionConfig = IdeficsVisionConfig.fromJson(vision, where + " vision_config");
        ObjectNode perceiver = f.getObject("perceiver_config");
        if (perceiver != null) c.perceiverConfig = IdeficsPerceiverConfig.fromJson(perceiver, where + " perceiver_config");
        c.extra = f.rest();
        c.validate(where);
        return c;
    }

    /** Checks values that would make the model impossible to build. */
    public void validate(String where) {
        positive(where, "vocab_size", vocabSize);
        if (additionalVocabSize < 0) throw new ConfigException(where + ": additional_vocab_size must be >= 0");
        positive(where, "hidden_size", hiddenSize);
        positive(where, "intermediate_size", intermediateSize);
        positive(where, "num_hidden_layers", numHiddenLayers);
        positive(where, "num_attention_heads", numAttentionHeads);
        positive(where, "cross_layer_interval", crossLayerInterval);
        if (numHiddenLayers % crossLayerInterval != 0) {
            // transformers builds num_hidden_layers // interval blocks but indexes one before every
            // interval-th layer, so any remainder fails in its forward pass: refuse it at load
            throw new ConfigException(where + ": num_hidden_layers " + numHiddenLayers
                    + " is not a multiple of cross_layer_interval " + crossLayerInterval);
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new ConfigException(where + ": hidden_size " + hiddenSize + " is not a multiple of num_attention_heads "
                    + numAttentionHeads);
        }
        if (!alphaType.equals("float") && !alphaType.equals("vector")) {
            throw new ConfigException(where + ": alpha_type must be \"float\" or \"vector\", got \"" + alphaType + "\"");
        }
        if (!Set.of("zeros", "ones", "normal", "gaussian", "random").contains(alphaInitializer)) {
            throw new ConfigException(where + ": unknown alpha_initializer \"" + alphaInitializer + "\"");
        }
        checkActivation(where, "hidden_act", hiddenAct);
        for (String e : freezeTextModuleExceptions) checkFreezeException(where, "freeze_text_module_exceptions", e);
        for (String e : freezeVisionModuleExceptions) checkFreezeException(where, "freeze_vision_module_exceptions", e);
        visionConfig.validate(where + " vision_config");
        perceiverConfig.validate(where + " perceiver_config");
    }

    static void positive(String where, String key, int v) {
        if (v <= 0) throw new ConfigException(where + ": " + key + " must be positive, got " + v);
    }

    static void checkActivation(String where, String key, String name) {
        try {
            Kernels.Activation.fromConfig(name);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": " + key + ": " + e.getMessage());
        }
    }

    private static void checkFreezeException(String where, String key, String name) {
        if (!FREEZE_EXCEPTIONS.contains(name)) {
            throw new ConfigException(where + ": " + key + " may hold \"LayerNorm\", \"Linear\" or \"Embedding\", got \"" + name + "\"");
        }
    }

    /** Head dimension of the text attention. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Number of gated cross-attention blocks. */
    public int numCrossLayers() {
        return numHiddenLayers / crossLayerInterval;
    }

    /** The config as transformers writes it: a flat object with the two nested sub-configs, keys sorted. */
    public ObjectNode toJson() {
        ObjectNode o = extra.deepCopy();
        o.put("model_type", o.has("model_type") ? o.get("model_type").asText() : "idefics");
        o.put("vocab_size", vocabSize);
        o.put("additional_vocab_size", additionalVocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("dropout", dropout);
        o.put("hidden_act", hiddenAct);
        o.put("initializer_range", initializerRange);
        o.put("alpha_initializer", alphaInitializer);
        o.put("alphas_initializer_range", alphasInitializerRange);
        o.put("alpha_type", alphaType);
        o.put("rms_norm_eps", rmsNormEps);
        o.put("use_cache", useCache);
        o.put("pad_token_id", padTokenId);
        o.put("bos_token_id", bosTokenId);
        o.put("eos_token_id", eosTokenId);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("cross_layer_interval", crossLayerInterval);
        o.put("qk_layer_norms", qkLayerNorms);
        o.put("freeze_text_layers", freezeTextLayers);
        freezeTextModuleExceptions.forEach(o.putArray("freeze_text_module_exceptions")::add);
        o.put("freeze_lm_head", freezeLmHead);
        o.put("freeze_vision_layers", freezeVisionLayers);
        freezeVisionModuleExceptions.forEach(o.putArray("freeze_vision_module_exceptions")::add);
        o.put("use_resampler", useResampler);
        o.set("vision_config", sorted(visionConfig.toJson()));
        o.set("perceiver_config", sorted(perceiverConfig.toJson()));
        return sorted(o);
    }

    private static ObjectNode sorted(ObjectNode o) {
        TreeMap<String, JsonNode> m = new TreeMap<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            m.put(k, o.get(k));
        }
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        m.forEach(s::set);
        return s;
    }

    public String toJsonString() {
        try {
            return JSON.writeValueAsString(toJson()) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code folder/config.json} atomically. */
    public void saveTo(Path folder) {
        SafetensorsWriter.writeTextAtomically(folder.resolve(FILE_NAME), toJsonString());
    }
}
