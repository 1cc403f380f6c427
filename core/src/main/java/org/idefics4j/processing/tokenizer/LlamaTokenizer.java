package org.idefics4j.processing.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The LLaMA tokenizer as IDEFICS uses it, equal to Hugging Face's {@code LlamaTokenizerFast}
 * with the legacy SentencePiece behaviour: every chunk of text between added tokens gets the
 * {@code ▁} prefix, including text right after a special token
 * ({@code "<end_of_utterance>\nAssistant:"} → 32002, 29871 ("▁"), 13, …).
 *
 * <p>Encoding: added tokens are cut out of the raw text first (leftmost, longest), each remaining
 * chunk is normalized ({@code ▁} prepended, spaces → {@code ▁}) and split by byte-fallback BPE;
 * BOS/EOS are added as {@code add_bos_token}/{@code add_eos_token} say. Decoding runs the
 * {@code tokenizer.json} decoder chain (Replace ▁→space, ByteFallback, Fuse, Strip one leading space).
 *
 * <p>Loads a Hugging Face tokenizer folder with {@link #from(Path)}: {@code tokenizer.json} when
 * present, otherwise the SentencePiece {@code tokenizer.model}; plus {@code tokenizer_config.json},
 * {@code special_tokens_map.json} and {@code added_tokens.json} when present. Instances are
 * immutable and thread-safe.
 */
public final class LlamaTokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BpeModel model;
    private final Normalizer normalizer;
    private final TokenDecoder decoder;
    /** Added tokens by id; ids may lie beyond the model's vocabulary. */
    private final Map<Integer, AddedToken> addedById;
    private final AddedTokenMatcher rawMatcher;
    private final AddedTokenMatcher normalizedMatcher;
    private final Set<Integer> specialIds;
    private final int totalSize;
    private final Integer bosId, eosId, unkId, padId;
    private final String bosToken, eosToken, unkToken, padToken;
    private final boolean addBos, addEos, cleanUpSpaces;
    private final BatchOptions.Side paddingSide, truncationSide;
    private final Integer modelMaxLength;

    private LlamaTokenizer(Builder b) {
        this.model = b.model;
        this.normalizer = b.normalizer;
        this.decoder = b.decoder;
        this.addedById = Collections.unmodifiableMap(new TreeMap<>(b.addedById));
        Map<String, AddedToken> raw = new HashMap<>(), norm = new HashMap<>();
        for (AddedToken t : addedById.values()) {
            // Non-normalized tokens match the raw text; normalized ones match normalized text, so
            // their pattern is their normalized content (as in Hugging Face's AddedVocabulary).
            if (t.normalized()) norm.put(normalizer.apply(t.content()), t);
            else raw.put(t.content(), t);
        }
        this.rawMatcher = new AddedTokenMatcher(raw);
        this.normalizedMatcher = new AddedTokenMatcher(norm);
        this.specialIds = Set.copyOf(b.specialIds);
        int size = model.size();
        for (int id : addedById.keySet()) size = Math.max(size, id + 1);
        this.totalSize = size;
        this.bosToken = b.bosToken;
        this.eosToken = b.eosToken;
        this.unkToken = b.unkToken;
        this.padToken = b.padToken;
        this.bosId = b.bosId;
        this.eosId = b.eosId;
        this.unkId = b.unkId;
        this.padId = b.padId;
        this.addBos = b.addBos;
        this.addEos = b.addEos;
        this.cleanUpSpaces = b.cleanUpSpaces;
        this.paddingSide = b.paddingSide;
        this.truncationSide = b.truncationSide;
        this.modelMaxLength = b.modelMaxLength;
    }

    // ------------------------------------------------------------------------------------------
    // Loading

    /** Same as {@link #from(Path)}, named after transformers' {@code from_pretrained}. */
    public static LlamaTokenizer fromPretrained(Path folder) {
        return from(folder);
    }

    /**
     * Loads a tokenizer folder.
     *
     * @throws TokenizerException naming the folder, file and key when something is missing,
     *                            malformed or unsupported
     */
    public static LlamaTokenizer from(Path folder) {
        if (folder == null) throw new TokenizerException("tokenizer folder is null");
        if (!Files.exists(folder)) throw new TokenizerException("tokenizer folder not found: " + folder);
        if (!Files.isDirectory(folder)) throw new TokenizerException("tokenizer path is not a folder: " + folder);
        Path tokJson = folder.resolve("tokenizer.json"), spModel = folder.resolve("tokenizer.model");
        Path cfgPath = folder.resolve("tokenizer_config.json"), mapPath = folder.resolve("special_tokens_map.json");
        Path addedPath = folder.resolve("added_tokens.json");

        JsonNode config = readJsonObject(cfgPath);
        JsonNode specialMap = readJsonObject(mapPath);
        JsonNode addedJson = readJsonObject(addedPath);
        if (config == null) config = JSON.createObjectNode();
        if (specialMap == null) specialMap = JSON.createObjectNode();

        Builder b = new Builder();
        if (Files.isRegularFile(tokJson)) {
            loadTokenizerJson(tokJson, b);
        } else if (Files.isRegularFile(spModel)) {
            loadSentencePiece(spModel, config, cfgPath, b);
        } else {
            throw new TokenizerException("no tokenizer.json or tokenizer.model in " + folder);
        }

        // added_tokens_decoder of tokenizer_config.json: {"32000": {"content": ..., flags}}.
        JsonNode decoderNode = config.get("added_tokens_decoder");
        if (decoderNode != null && !decoderNode.isNull()) {
            if (!decoderNode.isObject()) throw new TokenizerException(cfgPath + ": \"added_tokens_decoder\" must be an object");
            for (var it = decoderNode.fields(); it.hasNext(); ) {
                var e = it.next();
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new TokenizerException(cfgPath + ": added_tokens_decoder key \"" + e.getKey() + "\" is not an id");
                }
                b.addAddedToken(parseAddedToken(e.getValue(), id, cfgPath + ": added_tokens_decoder[\"" + e.getKey() + "\"]"),
                        cfgPath.toString());
            }
        }

        // Special tokens: tokenizer_config.json, overridden by special_tokens_map.json (as transformers does).
        String[] keys = {"bos_token", "eos_token", "unk_token", "pad_token"};
        Map<String, String> contents = new HashMap<>();
        Map<String, String> sources = new HashMap<>();
        for (String key : keys) {
            String fromMap = tokenContent(specialMap.get(key), mapPath, key);
            String fromCfg = tokenContent(config.get(key), cfgPath, key);
            if (fromMap != null) {
                contents.put(key, fromMap);
                sources.put(key, mapPath + " key \"" + key + "\"");
            } else if (fromCfg != null) {
                contents.put(key, fromCfg);
                sources.put(key, cfgPath + " key \"" + key + "\"");
            }
        }
        if (!config.has("bos_token") && !specialMap.has("bos_token")) putDefault(contents, sources, "bos_token", "<s>", b);
        if (!config.has("eos_token") && !specialMap.has("eos_token")) putDefault(contents, sources, "eos_token", "</s>", b);
        if (!config.has("unk_token") && !specialMap.has("unk_token")) putDefault(contents, sources, "unk_token", "<unk>", b);
        List<String> additional = new ArrayList<>();
        String additionalSource;
        JsonNode addNode = specialMap.get("additional_special_tokens");
        Path addFile = mapPath;
        if (addNode == null || addNode.isNull()) {
            addNode = config.get("additional_special_tokens");
            addFile = cfgPath;
        }
        additionalSource = addFile + " key \"additional_special_tokens\"";
        if (addNode != null && !addNode.isNull()) {
            if (!addNode.isArray()) throw new TokenizerException(additionalSource + " must be a list");
            for (int i = 0; i < addNode.size(); i++)
                additional.add(tokenContent(addNode.get(i), addFile, "additional_special_tokens[" + i + "]"));
        }

        // added_tokens.json: {"<image>": 32001}; flags as transformers gives them when loading it.
        if (addedJson != null) {
            Set<String> specialContents = new HashSet<>(contents.values());
            specialContents.addAll(additional);
            for (var it = addedJson.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber())
                    throw new TokenizerException(addedPath + ": value of \"" + e.getKey() + "\" must be an integer id");
                boolean special = specialContents.contains(e.getKey());
                b.addAddedToken(new AddedToken(e.getValue().intValue(), e.getKey(), false, false, false, !special, special),
                        addedPath.toString());
            }
        }

        for (String key : keys) {
            String content = contents.get(key);
            if (content == null) continue;
            int id = b.resolveSpecial(content, sources.get(key));
            switch (key) {
                case "bos_token" -> { b.bosToken = content; b.bosId = id; }
                case "eos_token" -> { b.eosToken = content; b.eosId = id; }
                case "unk_token" -> { b.unkToken = content; b.unkId = id; }
                default -> { b.padToken = content; b.padId = id; }
            }
        }
        for (int i = 0; i < additional.size(); i++)
            b.resolveSpecial(additional.get(i), additionalSource.replace("\"additional_special_tokens\"",
                    "\"additional_special_tokens[" + i + "]\""));

        b.addBos = bool(config, "add_bos_token", true, cfgPath);
        b.addEos = bool(config, "add_eos_token", false, cfgPath);
        b.cleanUpSpaces = bool(config, "clean_up_tokenization_spaces", false, cfgPath);
        b.paddingSide = side(config, "padding_side", cfgPath);
        b.truncationSide = side(config, "truncation_side", cfgPath);
        JsonNode mml = config.get("model_max_length");
        if (mml != null && !mml.isNull()) {
            if (!mml.isNumber()) throw new TokenizerException(cfgPath + ": \"model_max_length\" must be a number");
            // transformers writes 1e30 ("very large") when there is no limit.
            b.modelMaxLength = mml.asDouble() >= Integer.MAX_VALUE ? null : mml.asInt();
        }
        if (b.addBos && b.bosId == null) throw new TokenizerException(cfgPath + ": add_bos_token is true but no bos_token is defined");
        if (b.addEos && b.eosId == null) throw new TokenizerException(cfgPath + ": add_eos_token is true but no eos_token is defined");
        return new LlamaTokenizer(b);
    }

    private static void putDefault(Map<String, String> contents, Map<String, String> sources, String key, String content,
                                   Builder b) {
        // LlamaTokenizer's constructor defaults; only used when the piece exists.
        if (b.model.tokenToId(content) != null || b.addedByContent.containsKey(content)) {
            contents.put(key, content);
            sources.put(key, "default " + key);
        }
    }

    private static void loadTokenizerJson(Path file, Builder b) {
        JsonNode root = readJsonObject(file);
        String where = file.toString();
        JsonNode pre = root.get("pre_tokenizer");
        if (pre != null && !pre.isNull())
            throw new TokenizerException(where + ": pre_tokenizer \"" + pre.path("type").asText() + "\" is not supported"
                    + " (the legacy LLaMA layout has none)");
        JsonNode m = root.get("model");
        if (m == null || !m.isObject()) throw new TokenizerException(where + ": missing \"model\"");
        String type = m.path("type").asText("BPE");
        if (!type.equals("BPE")) throw new TokenizerException(where + ": model.type \"" + type + "\" is not supported (only BPE)");
        for (String k : new String[]{"continuing_subword_prefix", "end_of_word_suffix"}) {
            JsonNode v = m.get(k);
            if (v != null && !v.isNull() && !v.asText().isEmpty())
                throw new TokenizerException(where + ": model." + k + " is not supported");
        }
        JsonNode dropout = m.get("dropout");
        if (dropout != null && !dropout.isNull() && dropout.asDouble() > 0)
            throw new TokenizerException(where + ": model.dropout is not supported (encoding would be random)");
        JsonNode vocabNode = m.get("vocab");
        if (vocabNode == null || !vocabNode.isObject()) throw new TokenizerException(where + ": model.vocab must be an object");
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        for (var it = vocabNode.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isIntegralNumber())
                throw new TokenizerException(where + ": model.vocab[\"" + e.getKey() + "\"] must be an integer id");
            vocab.put(e.getKey(), e.getValue().intValue());
        }
        JsonNode mergesNode = m.get("merges");
        if (mergesNode == null || !mergesNode.isArray()) throw new TokenizerException(where + ": model.merges must be a list");
        List<String[]> merges = new ArrayList<>(mergesNode.size());
        for (int i = 0; i < mergesNode.size(); i++) {
            JsonNode e = mergesNode.get(i);
            if (e.isTextual()) {
                // Older files: "left right" (pieces never contain a plain space: it is ▁).
                String s = e.asText();
                int sp = s.indexOf(' ');
                if (sp < 0 || s.indexOf(' ', sp + 1) >= 0)
                    throw new TokenizerException(where + ": model.merges[" + i + "] \"" + s + "\" is not \"left right\"");
                merges.add(new String[]{s.substring(0, sp), s.substring(sp + 1)});
            } else if (e.isArray() && e.size() == 2 && e.get(0).isTextual() && e.get(1).isTextual()) {
                merges.add(new String[]{e.get(0).asText(), e.get(1).asText()});
            } else {
                throw new TokenizerException(where + ": model.merges[" + i + "] must be \"left right\" or [left, right]");
            }
        }
        JsonNode unk = m.get("unk_token");
        b.model = BpeModel.fromMerges(vocab, merges, unk == null || unk.isNull() ? null : unk.asText(),
                m.path("byte_fallback").asBoolean(false), m.path("fuse_unk").asBoolean(false), where);
        b.normalizer = Normalizer.fromJson(root.get("normalizer"), where);
        b.decoder = TokenDecoder.fromJson(root.get("decoder"), where);
        JsonNode added = root.get("added_tokens");
        if (added != null && !added.isNull()) {
            if (!added.isArray()) throw new TokenizerException(where + ": added_tokens must be a list");
            for (int i = 0; i < added.size(); i++) {
                JsonNode t = added.get(i);
                JsonNode id = t.get("id");
                if (id == null || !id.isIntegralNumber())
                    throw new TokenizerException(where + ": added_tokens[" + i + "] has no integer \"id\"");
                b.addAddedToken(parseAddedToken(t, id.intValue(), where + ": added_tokens[" + i + "]"), where);
            }
        }
    }

    private static void loadSentencePiece(Path file, JsonNode config, Path cfgPath, Builder b) {
        SentencePieceModel sp = SentencePieceModel.read(file);
        String where = file.toString();
        if (sp.modelType() != SentencePieceModel.MODEL_BPE)
            throw new TokenizerException(where + ": SentencePiece model type " + sp.modelType() + " is not supported (only BPE = 2)");
        JsonNode legacy = config.get("legacy");
        if (legacy != null && legacy.isBoolean() && !legacy.asBoolean())
            throw new TokenizerException(cfgPath + ": \"legacy\": false is not supported with tokenizer.model alone"
                    + " (only the legacy behaviour, where text after a special token gets the \u2581 prefix)");
        b.model = BpeModel.fromSentencePiece(sp, where);
        b.normalizer = Normalizer.fromSentencePiece(sp, where);
        b.decoder = TokenDecoder.llamaDefault();
        // Control and unknown pieces (<s>, </s>, <unk>) are matched in text like added tokens in
        // transformers; USER_DEFINED pieces are too (SentencePiece never splits them).
        for (int id = 0; id < sp.pieces().size(); id++) {
            SentencePieceModel.Piece p = sp.pieces().get(id);
            switch (p.type()) {
                case CONTROL, UNKNOWN -> b.addAddedToken(AddedToken.special(id, p.piece()), where);
                case USER_DEFINED -> b.addAddedToken(new AddedToken(id, p.piece(), false, false, false, false, false), where);
                default -> { }
            }
        }
    }

    private static AddedToken parseAddedToken(JsonNode t, int id, String where) {
        if (t == null || !t.isObject()) throw new TokenizerException(where + " must be an object");
        JsonNode c = t.get("content");
        if (c == null || !c.isTextual() || c.asText().isEmpty())
            throw new TokenizerException(where + " has no non-empty string \"content\"");
        boolean special = t.path("special").asBoolean(false);
        return new AddedToken(id, c.asText(), t.path("single_word").asBoolean(false), t.path("lstrip").asBoolean(false),
                t.path("rstrip").asBoolean(false), t.path("normalized").asBoolean(!special), special);
    }

    /** A special-token value: a string, an AddedToken object ({"content": ...}) or null. */
    private static String tokenContent(JsonNode v, Path file, String key) {
        if (v == null || v.isNull()) return null;
        if (v.isTextual()) return v.asText();
        if (v.isObject() && v.path("content").isTextual()) return v.get("content").asText();
        throw new TokenizerException(file + ": \"" + key + "\" must be a string or an object with \"content\"");
    }

    private static boolean bool(JsonNode config, String key, boolean dflt, Path file) {
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw new TokenizerException(file + ": \"" + key + "\" must be true or false");
        return v.asBoolean();
    }

    private static BatchOptions.Side side(JsonNode config, String key, Path file) {
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) return BatchOptions.Side.RIGHT; // transformers' default
        return switch (v.asText()) {
            case "left" -> BatchOptions.Side.LEFT;
            case "right" -> BatchOptions.Side.RIGHT;
            default -> throw new TokenizerException(file + ": \"" + key + "\" must be \"left\" or \"right\", got " + v);
        };
    }

    /** The JSON object in {@code file}, or null when the file does not exist. */
    private static JsonNode readJsonObject(Path file) {
        if (!Files.exists(file)) return null;
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new TokenizerException("malformed JSON in " + file + (loc == null ? "" : " at line " + loc.getLineNr()
                    + ", column " + loc.getColumnNr()) + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) throw new TokenizerException("malformed JSON in " + file + ": expected an object");
        return node;
    }

    private static final class Builder {
        BpeModel model;
        Normalizer normalizer;
        TokenDecoder decoder;
        final Map<Integer, AddedToken> addedById = new HashMap<>();
        final Map<String, AddedToken> addedByContent = new HashMap<>();
        final Map<Integer, String> addedSource = new HashMap<>();
        final Set<Integer> specialIds = new HashSet<>();
        String bosToken, eosToken, unkToken, padToken;
        Integer bosId, eosId, unkId, padId;
        boolean addBos = true, addEos, cleanUpSpaces;
        BatchOptions.Side paddingSide = BatchOptions.Side.RIGHT, truncationSide = BatchOptions.Side.RIGHT;
        Integer modelMaxLength;

        /** Adds a token unless an earlier source already defined it; conflicting ids are errors. */
        void addAddedToken(AddedToken t, String source) {
            AddedToken byId = addedById.get(t.id());
            AddedToken byContent = addedByContent.get(t.content());
            if (byId != null && !byId.content().equals(t.content()))
                throw new TokenizerException(source + ": id " + t.id() + " is \"" + t.content() + "\" but "
                        + addedSource.get(t.id()) + " has \"" + byId.content() + "\"");
            if (byContent != null && byContent.id() != t.id())
                throw new TokenizerException(source + ": \"" + t.content() + "\" has id " + t.id() + " but "
                        + addedSource.get(byContent.id()) + " gives id " + byContent.id());
            if (byId != null) return;
            addedById.put(t.id(), t);
            addedByContent.put(t.content(), t);
            addedSource.put(t.id(), source);
            if (t.special()) specialIds.add(t.id());
        }

        /** The id of a configured special token; marks it special and makes it match in text. */
        int resolveSpecial(String content, String source) {
            AddedToken t = addedByContent.get(content);
            if (t != null) {
                if (!t.special()) {
                    AddedToken s = t.withSpecial(true);
                    addedById.put(s.id(), s);
                    addedByContent.put(content, s);
                }
                specialIds.add(t.id());
                return t.id();
            }
            Integer id = model.tokenToId(content);
            if (id == null)
                throw new TokenizerException(source + ": special token \"" + content + "\" is not in the vocabulary");
            addAddedToken(AddedToken.special(id, content), source);
            return id;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Encoding

    /** Ids of {@code text} with BOS/EOS as configured (transformers' {@code encode(text)}). */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /** Ids of {@code text}; {@code addSpecialTokens} adds BOS/EOS per {@code add_bos_token}/{@code add_eos_token}. */
    public int[] encode(String text, boolean addSpecialTokens) {
        IntArrayList out = new IntArrayList(text.length() / 3 + 4);
        if (addSpecialTokens && addBos) out.add(bosId);
        encodeInto(text, out);
        if (addSpecialTokens && addEos) out.add(eosId);
        return out.toArray();
    }

    /** The pieces of {@code text} without BOS/EOS (transformers' {@code tokenize}). */
    public List<String> tokenize(String text) {
        return convertIdsToTokens(encode(text, false));
    }

    private void encodeInto(String text, IntArrayList out) {
        if (text == null) throw new NullPointerException("text");
        for (AddedTokenMatcher.Span s : rawMatcher.split(text)) {
            if (s.token() != null) {
                out.add(s.token().id());
                continue;
            }
            String normalized = normalizer.apply(text.substring(s.start(), s.end()));
            for (AddedTokenMatcher.Span n : normalizedMatcher.split(normalized)) {
                if (n.token() != null) out.add(n.token().id());
                else model.encode(n.start() == 0 && n.end() == normalized.length()
                        ? normalized : normalized.substring(n.start(), n.end()), out);
            }
        }
    }

    /**
     * Encodes several texts, truncating and padding as {@code options} say; padding uses
     * {@code pad_token} and the attention mask marks it with 0.
     *
     * @throws TokenizerException when padding is needed but the tokenizer has no pad token, or
     *                            the max length cannot hold the special tokens
     */
    public BatchEncoding batchEncode(List<String> texts, BatchOptions options) {
        BatchOptions.Side padSide = options.paddingSide() != null ? options.paddingSide() : paddingSide;
        BatchOptions.Side truncSide = options.truncationSide() != null ? options.truncationSide() : truncationSide;
        Integer maxLength = options.maxLength();
        boolean needsMax = options.truncation() || options.padding() == BatchOptions.Padding.MAX_LENGTH;
        if (maxLength == null && needsMax) {
            maxLength = modelMaxLength;
            if (maxLength == null && options.padding() == BatchOptions.Padding.MAX_LENGTH)
                throw new TokenizerException("padding to max_length needs a maxLength: this tokenizer has no model_max_length");
        }
        if (options.padding() != BatchOptions.Padding.DO_NOT_PAD && padId == null)
            throw new TokenizerException("cannot pad: the tokenizer has no pad_token (set it in tokenizer_config.json"
                    + " or special_tokens_map.json)");
        int nSpecial = options.addSpecialTokens() ? (addBos ? 1 : 0) + (addEos ? 1 : 0) : 0;
        int[][] ids = new int[texts.size()][];
        for (int i = 0; i < ids.length; i++) {
            IntArrayList body = new IntArrayList(16);
            encodeInto(texts.get(i), body);
            int[] content = body.toArray();
            if (options.truncation() && maxLength != null) {
                // Like tokenizers' truncation: the special tokens are kept, the text is cut.
                int room = maxLength - nSpecial;
                if (room < 0)
                    throw new TokenizerException("maxLength " + maxLength + " cannot hold the " + nSpecial + " special token(s)");
                if (content.length > room)
                    content = truncSide == BatchOptions.Side.RIGHT ? Arrays.copyOf(content, room)
                            : Arrays.copyOfRange(content, content.length - room, content.length);
            }
            IntArrayList row = new IntArrayList(content.length + 2);
            if (options.addSpecialTokens() && addBos) row.add(bosId);
            for (int id : content) row.add(id);
            if (options.addSpecialTokens() && addEos) row.add(eosId);
            ids[i] = row.toArray();
        }
        int target = -1;
        switch (options.padding()) {
            case LONGEST -> {
                target = 0;
                for (int[] r : ids) target = Math.max(target, r.length);
            }
            case MAX_LENGTH -> target = maxLength;
            case DO_NOT_PAD -> { }
        }
        if (target >= 0 && options.padToMultipleOf() != null) {
            int m = options.padToMultipleOf();
            target = (target + m - 1) / m * m;
        }
        int[][] mask = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            int[] r = ids[i];
            int pad = Math.max(0, target - r.length);
            int[] padded = new int[r.length + pad], m = new int[r.length + pad];
            int off = padSide == BatchOptions.Side.LEFT ? pad : 0;
            Arrays.fill(padded, padId == null ? 0 : padId);
            System.arraycopy(r, 0, padded, off, r.length);
            Arrays.fill(m, off, off + r.length, 1);
            ids[i] = padded;
            mask[i] = m;
        }
        return new BatchEncoding(ids, mask);
    }

    /** {@link #batchEncode(List, BatchOptions)} with {@link BatchOptions#defaults()}. */
    public BatchEncoding batchEncode(List<String> texts) {
        return batchEncode(texts, BatchOptions.defaults());
    }

    // ------------------------------------------------------------------------------------------
    // Decoding

    /** Text of {@code ids}, special tokens kept. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * Text of {@code ids}: byte pieces joined into UTF-8 (a run that is not valid UTF-8 becomes one
     * U+FFFD per byte), {@code ▁} → space, one leading space removed.
     *
     * @throws TokenizerException when an id is not in the vocabulary
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        String text = String.join("", decoder.apply(convertIdsToTokens(ids, skipSpecialTokens)));
        return cleanUpSpaces ? cleanUpTokenization(text) : text;
    }

    /** {@link #decode(int[], boolean)} per row. */
    public List<String> batchDecode(int[][] ids, boolean skipSpecialTokens) {
        List<String> out = new ArrayList<>(ids.length);
        for (int[] r : ids) out.add(decode(r, skipSpecialTokens));
        return out;
    }

    /** transformers' {@code clean_up_tokenization}: drops the space before some punctuation and contractions. */
    private static String cleanUpTokenization(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    public List<String> convertIdsToTokens(int[] ids) {
        return convertIdsToTokens(ids, false);
    }

    /** The piece of each id; special tokens dropped when {@code skipSpecialTokens}. */
    public List<String> convertIdsToTokens(int[] ids, boolean skipSpecialTokens) {
        List<String> out = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            String t = tokenOrNull(id);
            if (t == null)
                throw new TokenizerException("id " + id + " at position " + i + " is not in the vocabulary (ids 0.."
                        + (totalSize - 1) + ")");
            if (skipSpecialTokens && specialIds.contains(id)) continue;
            out.add(t);
        }
        return out;
    }

    /** The piece of {@code id}. */
    public String convertIdToToken(int id) {
        String t = tokenOrNull(id);
        if (t == null) throw new TokenizerException("id " + id + " is not in the vocabulary (ids 0.." + (totalSize - 1) + ")");
        return t;
    }

    /** The id of a piece or added token; the unk id for anything else (as transformers). */
    public int convertTokenToId(String token) {
        AddedToken a = null;
        for (AddedToken t : addedById.values()) if (t.content().equals(token)) { a = t; break; }
        if (a != null) return a.id();
        Integer id = model.tokenToId(token);
        if (id != null) return id;
        if (unkId == null) throw new TokenizerException("\"" + token + "\" is not in the vocabulary and there is no unk_token");
        return unkId;
    }

    private String tokenOrNull(int id) {
        AddedToken a = addedById.get(id);
        return a != null ? a.content() : model.idToToken(id);
    }

    // ------------------------------------------------------------------------------------------
    // Properties

    /** Size of the base model's vocabulary (transformers' {@code vocab_size}). */
    public int vocabSize() {
        return model.size();
    }

    /** Ids in use including added tokens (transformers' {@code len(tokenizer)}). */
    public int size() {
        return totalSize;
    }

    /** The BOS id, or null when the folder defines none. */
    public Integer bosTokenId() {
        return bosId;
    }

    public Integer eosTokenId() {
        return eosId;
    }

    public Integer unkTokenId() {
        return unkId;
    }

    /** The pad id ({@code <unk>} = 0 for IDEFICS), or null when the folder defines no pad token. */
    public Integer padTokenId() {
        return padId;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    public String unkToken() {
        return unkToken;
    }

    public String padToken() {
        return padToken;
    }

    public boolean addBosToken() {
        return addBos;
    }

    public boolean addEosToken() {
        return addEos;
    }

    public BatchOptions.Side paddingSide() {
        return paddingSide;
    }

    public BatchOptions.Side truncationSide() {
        return truncationSide;
    }

    /** {@code model_max_length}, or null when unlimited / not configured. */
    public Integer modelMaxLength() {
        return modelMaxLength;
    }

    /** Added tokens by id (special ones and, e.g., IDEFICS's image tokens). */
    public Map<Integer, AddedToken> addedTokens() {
        return addedById;
    }

    /** Ids skipped by {@code skipSpecialTokens}. */
    public Set<Integer> allSpecialIds() {
        return specialIds;
    }

    /** The id of an added token by its content, or null. */
    public Integer addedTokenId(String content) {
        for (AddedToken t : addedById.values()) if (t.content().equals(content)) return t.id();
        return null;
    }

    @Override
    public String toString() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab", model.size());
        m.put("added", addedById.size());
        m.put("bos", bosId);
        m.put("eos", eosId);
        m.put("pad", padId);
        m.put("padding_side", paddingSide);
        return "LlamaTokenizer" + m;
    }
}
