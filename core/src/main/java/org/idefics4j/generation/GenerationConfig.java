package org.idefics4j.generation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.idefics4j.engine.safetensors.SafetensorsWriter;
import org.idefics4j.model.ConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to generate, with transformers' names and defaults ({@code generation_config.json}). Unknown keys
 * are kept for the round trip.
 */
public final class GenerationConfig {
    public static final String FILE_NAME = "generation_config.json";

    /** Total length (prompt included) at which to stop; overridden by {@link #maxNewTokens}. */
    public int maxLength = 20;
    public Integer maxNewTokens;
    public int minLength = 0;
    public Integer minNewTokens;
    public boolean doSample = false;
    public double temperature = 1.0;
    public int topK = 50;
    public double topP = 1.0;
    public double repetitionPenalty = 1.0;
    public int noRepeatNgramSize = 0;
    public int numBeams = 1;
    public double lengthPenalty = 1.0;
    public boolean earlyStopping = false;
    public int numReturnSequences = 1;
    /** Token sequences that must not be generated (single tokens or multi-token phrases). */
    public List<int[]> badWordsIds = new ArrayList<>();
    /** Generation stops for a row once it produced any of these. */
    public List<Integer> eosTokenId = new ArrayList<>();
    public Integer padTokenId;
    public Integer bosTokenId;
    /** Generation stops for a row once its decoded text ends with any of these (needs a tokenizer). */
    public List<String> stopStrings = new ArrayList<>();
    /** Seed of the sampler; null draws one. */
    public Long seed;
    /** Keep every step's processed scores in the output (transformers' output_scores). */
    public boolean outputScores;
    public ObjectNode extra = JsonNodeFactory.instance.objectNode();

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public GenerationConfig copy() {
        return fromJson(toJson(), "copy");
    }

    /** Reads {@code folder/generation_config.json}; the defaults when the file is absent. */
    public static GenerationConfig fromPretrained(Path folder) {
        Path file = folder.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) return new GenerationConfig();
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) throw new ConfigException(file + ": not a JSON object");
            return fromJson((ObjectNode) n, file.toString());
        } catch (IOException e) {
            throw new ConfigException(file + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    static GenerationConfig fromJson(ObjectNode node, String where) {
        ObjectNode rest = node.deepCopy();
        GenerationConfig c = new GenerationConfig();
        c.maxLength = intOr(rest, "max_length", c.maxLength, where);
        c.maxNewTokens = intOrNull(rest, "max_new_tokens", where);
        c.minLength = intOr(rest, "min_length", c.minLength, where);
        c.minNewTokens = intOrNull(rest, "min_new_tokens", where);
        c.doSample = boolOr(rest, "do_sample", c.doSample, where);
        c.temperature = doubleOr(rest, "temperature", c.temperature, where);
        c.topK = intOr(rest, "top_k", c.topK, where);
        c.topP = doubleOr(rest, "top_p", c.topP, where);
        c.repetitionPenalty = doubleOr(rest, "repetition_penalty", c.repetitionPenalty, where);
        c.noRepeatNgramSize = intOr(rest, "no_repeat_ngram_size", c.noRepeatNgramSize, where);
        c.numBeams = intOr(rest, "num_beams", c.numBeams, where);
        c.lengthPenalty = doubleOr(rest, "length_penalty", c.lengthPenalty, where);
        JsonNode es = rest.remove("early_stopping");
        if (es != null && !es.isNull()) c.earlyStopping = es.isBoolean() ? es.booleanValue() : false;
        c.numReturnSequences = intOr(rest, "num_return_sequences", c.numReturnSequences, where);
        c.outputScores = boolOr(rest, "output_scores", c.outputScores, where);
        JsonNode bad = rest.remove("bad_words_ids");
        if (bad != null && !bad.isNull()) c.badWordsIds = parseBadWords(bad, where);
        JsonNode eos = rest.remove("eos_token_id");
        if (eos != null && !eos.isNull()) c.eosTokenId = parseIds(eos, "eos_token_id", where);
        c.padTokenId = intOrNull(rest, "pad_token_id", where);
        c.bosTokenId = intOrNull(rest, "bos_token_id", where);
        JsonNode stop = rest.remove("stop_strings");
        if (stop != null && !stop.isNull()) {
            if (stop.isTextual()) c.stopStrings = new ArrayList<>(List.of(stop.textValue()));
            else for (JsonNode s : stop) c.stopStrings.add(s.asText());
        }
        JsonNode seed = rest.remove("seed");
        if (seed != null && seed.isIntegralNumber()) c.seed = seed.longValue();
        c.extra = rest;
        c.validate();
        return c;
    }

    /** Parses {@code [[id, ...], ...]}; used by the CLI too. */
    public static List<int[]> parseBadWords(JsonNode bad, String where) {
        List<int[]> out = new ArrayList<>();
        if (!bad.isArray()) throw new ConfigException(where + ": bad_words_ids must be a list of lists of token ids");
        for (JsonNode seq : bad) {
            if (!seq.isArray() || seq.isEmpty()) {
                throw new ConfigException(where + ": bad_words_ids must be a list of non-empty lists of token ids, got " + bad);
            }
            int[] ids = new int[seq.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!seq.get(i).canConvertToInt() || seq.get(i).intValue() < 0) {
                    throw new ConfigException(where + ": bad_words_ids holds " + seq.get(i) + ", not a token id");
                }
                ids[i] = seq.get(i).intValue();
            }
            out.add(ids);
        }
        return out;
    }

    private static List<Integer> parseIds(JsonNode n, String key, String where) {
        List<Integer> out = new ArrayList<>();
        if (n.isIntegralNumber()) {
            out.add(n.intValue());
        } else if (n.isArray()) {
            for (JsonNode e : n) {
                if (!e.isIntegralNumber()) throw new ConfigException(where + ": " + key + " must be an id or a list of ids");
                out.add(e.intValue());
            }
        } else {
            throw new ConfigException(where + ": " + key + " must be an id or a list of ids, got " + n);
        }
        return out;
    }

    /** Rejects values generation cannot work with, naming the option. */
    public void validate() {
        if (maxNewTokens != null && maxNewTokens < 0) throw new ConfigException("max_new_tokens must be >= 0");
        if (temperature <= 0 && doSample) throw new ConfigException("temperature must be > 0 when sampling");
        if (topP <= 0 || topP > 1) throw new ConfigException("top_p must be in (0, 1]");
        if (topK < 0) throw new ConfigException("top_k must be >= 0");
        if (repetitionPenalty <= 0) throw new ConfigException("repetition_penalty must be > 0");
        if (numBeams < 1) throw new ConfigException("num_beams must be >= 1");
        if (numReturnSequences < 1) throw new ConfigException("num_return_sequences must be >= 1");
        if (!doSample && numReturnSequences > numBeams) {
            throw new ConfigException("num_return_sequences (" + numReturnSequences + ") must not exceed num_beams ("
                    + numBeams + ") without sampling");
        }
        if (noRepeatNgramSize < 0) throw new ConfigException("no_repeat_ngram_size must be >= 0");
    }

    private static int intOr(ObjectNode n, String k, int def, String where) {
        Integer v = intOrNull(n, k, where);
        return v == null ? def : v;
    }

    private static Integer intOrNull(ObjectNode n, String k, String where) {
        JsonNode v = n.remove(k);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber()) throw new ConfigException(where + ": key '" + k + "' must be an integer, got " + v);
        return v.intValue();
    }

    private static double doubleOr(ObjectNode n, String k, double def, String where) {
        JsonNode v = n.remove(k);
        if (v == null || v.isNull()) return def;
        if (!v.isNumber()) throw new ConfigException(where + ": key '" + k + "' must be a number, got " + v);
        return v.doubleValue();
    }

    private static boolean boolOr(ObjectNode n, String k, boolean def, String where) {
        JsonNode v = n.remove(k);
        if (v == null || v.isNull()) return def;
        if (!v.isBoolean()) throw new ConfigException(where + ": key '" + k + "' must be true or false, got " + v);
        return v.booleanValue();
    }

    /** The config in transformers' diff form: only the values that differ from the defaults. */
    public ObjectNode toJson() {
        ObjectNode all = toFullJson(), defaults = new GenerationConfig().toFullJson(), o = JSON.createObjectNode();
        all.fields().forEachRemaining(e -> {
            if (!e.getValue().equals(defaults.get(e.getKey()))) o.set(e.getKey(), e.getValue());
        });
        return o;
    }

    private ObjectNode toFullJson() {
        ObjectNode o = extra.deepCopy();
        o.put("max_length", maxLength);
        if (maxNewTokens != null) o.put("max_new_tokens", maxNewTokens);
        o.put("min_length", minLength);
        if (minNewTokens != null) o.put("min_new_tokens", minNewTokens);
        o.put("do_sample", doSample);
        o.put("temperature", temperature);
        o.put("top_k", topK);
        o.put("top_p", topP);
        o.put("repetition_penalty", repetitionPenalty);
        o.put("no_repeat_ngram_size", noRepeatNgramSize);
        o.put("num_beams", numBeams);
        o.put("length_penalty", lengthPenalty);
        o.put("early_stopping", earlyStopping);
        o.put("num_return_sequences", numReturnSequences);
        o.put("output_scores", outputScores);
        if (!badWordsIds.isEmpty()) {
            ArrayNode a = o.putArray("bad_words_ids");
            for (int[] seq : badWordsIds) {
                ArrayNode s = a.addArray();
                for (int id : seq) s.add(id);
            }
        }
        if (eosTokenId.size() == 1) o.put("eos_token_id", eosTokenId.get(0));
        else if (!eosTokenId.isEmpty()) eosTokenId.forEach(o.putArray("eos_token_id")::add);
        if (padTokenId != null) o.put("pad_token_id", padTokenId);
        if (bosTokenId != null) o.put("bos_token_id", bosTokenId);
        if (!stopStrings.isEmpty()) stopStrings.forEach(o.putArray("stop_strings")::add);
        if (seed != null) o.put("seed", seed);
        return o;
    }

    public void saveTo(Path folder) {
        try {
            SafetensorsWriter.writeTextAtomically(folder.resolve(FILE_NAME), JSON.writeValueAsString(toJson()) + "\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
