package org.idefics4j.processing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.idefics4j.processing.IdeficsProcessor.CallOptions;
import org.idefics4j.processing.tokenizer.BatchOptions.Padding;
import org.idefics4j.processing.tokenizer.BatchOptions.Side;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A processor call written as JSON (the {@code idefics4j process --request} file):
 *
 * <pre>{@code
 * {"prompts": ["User:", {"image": "cat.png"}, "Describe it.\nAssistant:"],
 *  "padding": "longest", "truncation": true, "max_length": 64,
 *  "add_eos_token": false, "add_end_of_utterance_token": false, "debug": true}
 * }</pre>
 *
 * {@code prompts} is one prompt (a list of items) or a batch (a list of lists). An item is a string
 * (text, or an image URL by transformers' {@code is_url} rule) or {@code {"image": "path or URL"}};
 * relative paths are resolved against the request file's folder. A plain string is never read as a
 * file path (as in transformers, it would be text). The other keys are the call options by their
 * transformers names; unknown keys are an error (a typo must not be silently ignored).
 *
 * @param prompts the {@code prompts} argument of {@link IdeficsProcessor#process}: items are
 *                {@link String} or {@link Path}
 * @param options the call options
 */
public record ProcessorRequest(List<?> prompts, CallOptions options) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("prompts", "padding", "truncation", "max_length", "add_eos_token",
            "add_end_of_utterance_token", "debug", "padding_side", "return_tensors");

    /**
     * Reads a request file.
     *
     * @throws IllegalArgumentException naming the file and key for anything missing or malformed
     */
    public static ProcessorRequest read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("request file not found: " + file, e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        Path abs = file.toAbsolutePath().getParent();
        return parse(root, abs == null ? Path.of("") : abs, file.toString());
    }

    /** Parses a request object; {@code baseDir} resolves relative image paths, {@code source} names it in errors. */
    public static ProcessorRequest parse(JsonNode root, Path baseDir, String source) {
        if (root == null || !root.isObject()) throw new IllegalArgumentException(source + ": expected a JSON object");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k))
                throw new IllegalArgumentException(source + ": unknown key \"" + k + "\" (known: " + String.join(", ",
                        KEYS.stream().sorted().toList()) + ")");
        }
        JsonNode p = root.get("prompts");
        if (p == null || p.isNull()) throw new IllegalArgumentException(source + ": missing key \"prompts\"");
        if (!p.isArray() || p.isEmpty())
            throw new IllegalArgumentException(source + ": \"prompts\" must be a non-empty list of items or of lists of items");
        boolean batched = false;
        for (JsonNode e : p) batched |= e.isArray();
        List<Object> prompts = new ArrayList<>();
        if (batched) {
            for (int i = 0; i < p.size(); i++) {
                if (!p.get(i).isArray())
                    throw new IllegalArgumentException(source + ": prompts[" + i + "] must be a list (prompts mixes lists and items)");
                prompts.add(items(p.get(i), "prompts[" + i + "]", baseDir, source));
            }
        } else {
            prompts.addAll(items(p, "prompts", baseDir, source));
        }

        CallOptions o = CallOptions.defaults()
                .withPadding(padding(root.get("padding"), source))
                .withTruncation(truncation(root.get("truncation"), source))
                .withMaxLength(maxLength(root.get("max_length"), source))
                .withAddEosToken(bool(root, "add_eos_token", false, source))
                .withAddEndOfUtteranceToken(nullableBool(root, "add_end_of_utterance_token", source))
                .withDebug(bool(root, "debug", false, source))
                .withPaddingSide(side(root.get("padding_side"), source));
        JsonNode rt = root.get("return_tensors");
        // Accepted for parity with transformers; the output is always the safetensors of "pt" tensors.
        if (rt != null && !rt.isNull() && !(rt.isTextual() && rt.asText().equals("pt")))
            throw new IllegalArgumentException(source + ": \"return_tensors\" can only be \"pt\", got " + rt);
        return new ProcessorRequest(List.copyOf(prompts), o);
    }

    private static List<Object> items(JsonNode arr, String where, Path baseDir, String source) {
        List<Object> out = new ArrayList<>(arr.size());
        for (int i = 0; i < arr.size(); i++) {
            JsonNode it = arr.get(i);
            String at = source + ": " + where + "[" + i + "]";
            if (it.isTextual()) {
                out.add(it.asText());
            } else if (it.isObject()) {
                JsonNode img = it.get("image");
                if (img == null || it.size() != 1)
                    throw new IllegalArgumentException(at + ": an object item must be {\"image\": \"path or URL\"}, got " + it);
                if (!img.isTextual() || img.asText().isEmpty())
                    throw new IllegalArgumentException(at + ": \"image\" must be a non-empty string (path or URL), got " + img);
                String s = img.asText();
                // A URL stays a string: the processor fetches strings that pass is_url.
                out.add(ImageFetcher.isUrl(s.strip()) ? s.strip() : baseDir.resolve(s).normalize());
            } else {
                throw new IllegalArgumentException(at + ": an item must be a string or {\"image\": ...}, got " + it);
            }
        }
        return out;
    }

    private static final Map<String, Padding> PADDING = Map.of("longest", Padding.LONGEST, "max_length", Padding.MAX_LENGTH,
            "do_not_pad", Padding.DO_NOT_PAD);

    private static Padding padding(JsonNode n, String source) {
        if (n == null || n.isNull()) return null;
        if (n.isBoolean()) return n.asBoolean() ? Padding.LONGEST : Padding.DO_NOT_PAD;
        if (n.isTextual() && PADDING.containsKey(n.asText())) return PADDING.get(n.asText());
        throw new IllegalArgumentException(source + ": \"padding\" must be false, true, \"longest\", \"max_length\" or"
                + " \"do_not_pad\", got " + n);
    }

    private static Boolean truncation(JsonNode n, String source) {
        if (n == null || n.isNull()) return null;
        if (n.isBoolean()) return n.asBoolean();
        if (n.isTextual()) {
            // One sequence per row: longest_first and only_first cut the same tokens.
            switch (n.asText()) {
                case "longest_first", "only_first" -> { return true; }
                case "do_not_truncate" -> { return false; }
                default -> { }
            }
        }
        throw new IllegalArgumentException(source + ": \"truncation\" must be true, false, null, \"longest_first\","
                + " \"only_first\" or \"do_not_truncate\", got " + n);
    }

    private static Integer maxLength(JsonNode n, String source) {
        if (n == null || n.isNull()) return null;
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0)
            throw new IllegalArgumentException(source + ": \"max_length\" must be a non-negative integer or null, got " + n);
        return n.asInt();
    }

    private static Side side(JsonNode n, String source) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual() && n.asText().equals("left")) return Side.LEFT;
        if (n.isTextual() && n.asText().equals("right")) return Side.RIGHT;
        throw new IllegalArgumentException(source + ": \"padding_side\" must be \"left\" or \"right\", got " + n);
    }

    private static boolean bool(JsonNode root, String key, boolean dflt, String source) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) return dflt;
        if (!n.isBoolean()) throw new IllegalArgumentException(source + ": \"" + key + "\" must be true or false, got " + n);
        return n.asBoolean();
    }

    private static Boolean nullableBool(JsonNode root, String key, String source) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) return null;
        if (!n.isBoolean()) throw new IllegalArgumentException(source + ": \"" + key + "\" must be true, false or null, got " + n);
        return n.asBoolean();
    }
}
