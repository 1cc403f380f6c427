package org.idefics4j.processing.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** The text normalizer applied to each chunk between added tokens (Hugging Face semantics). */
@FunctionalInterface
interface Normalizer {
    String apply(String text);

    Normalizer IDENTITY = s -> s;

    /**
     * The normalizer of a {@code tokenizer.json} {@code normalizer} node. Covers what LLaMA-family
     * files use; anything else is refused rather than silently ignored, since it would change ids.
     */
    static Normalizer fromJson(JsonNode node, String where) {
        if (node == null || node.isNull()) return IDENTITY;
        String type = node.path("type").asText("");
        switch (type) {
            case "Sequence" -> {
                List<Normalizer> steps = new ArrayList<>();
                JsonNode list = node.path("normalizers");
                if (!list.isArray()) throw new TokenizerException(where + ": normalizer Sequence has no \"normalizers\" list");
                for (JsonNode n : list) steps.add(fromJson(n, where));
                return s -> {
                    for (Normalizer step : steps) s = step.apply(s);
                    return s;
                };
            }
            case "Prepend" -> {
                String prefix = requireText(node, "prepend", where);
                // Hugging Face prepends only to non-empty text, so "" stays "" (no lone "▁").
                return s -> s.isEmpty() ? s : prefix + s;
            }
            case "Replace" -> {
                JsonNode pattern = node.path("pattern");
                if (!pattern.has("String"))
                    throw new TokenizerException(where + ": normalizer Replace with a " + pattern.fieldNames().next()
                            + " pattern is not supported (only String)");
                String from = pattern.get("String").asText();
                String to = requireText(node, "content", where);
                if (from.isEmpty()) return IDENTITY;
                return s -> s.replace(from, to);
            }
            case "NFC" -> {
                return s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFC);
            }
            case "NFKC" -> {
                return s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFKC);
            }
            case "NFD" -> {
                return s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD);
            }
            case "NFKD" -> {
                return s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFKD);
            }
            default -> throw new TokenizerException(where + ": normalizer type \"" + type + "\" is not supported");
        }
    }

    /**
     * SentencePiece's own normalization for an {@code identity} normalizer spec: optional
     * whitespace squeezing, the dummy {@code ▁} prefix, and spaces escaped as {@code ▁}.
     */
    static Normalizer fromSentencePiece(SentencePieceModel sp, String where) {
        String name = sp.normalizerName();
        if (sp.hasPrecompiledCharsmap() || !(name.isEmpty() || name.equals("identity")))
            throw new TokenizerException(where + ": SentencePiece normalizer \"" + name
                    + "\" is not supported (only identity); use the folder's tokenizer.json instead");
        boolean squeeze = sp.removeExtraWhitespaces(), prefix = sp.addDummyPrefix(), escape = sp.escapeWhitespaces();
        return s -> {
            if (squeeze) s = s.strip().replaceAll(" {2,}", " ");
            if (s.isEmpty()) return s;
            if (prefix) s = " " + s;
            return escape ? s.replace(' ', '\u2581') : s;
        };
    }

    private static String requireText(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || !v.isTextual())
            throw new TokenizerException(where + ": normalizer " + node.path("type").asText() + " needs a string \"" + key + "\"");
        return v.asText();
    }
}
