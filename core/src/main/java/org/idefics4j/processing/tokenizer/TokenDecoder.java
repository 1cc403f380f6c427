package org.idefics4j.processing.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A Hugging Face decoder step: maps the token strings of a decode to new strings; the chain's
 * output is concatenated. LLaMA's chain is Replace("▁"," "), ByteFallback, Fuse, Strip(" ",1,0).
 */
@FunctionalInterface
interface TokenDecoder {
    List<String> apply(List<String> tokens);

    /** The chain {@code LlamaConverter} writes; used when only {@code tokenizer.model} exists. */
    static TokenDecoder llamaDefault() {
        return sequence(List.of(replace("\u2581", " "), byteFallback(), fuse(), strip(" ", 1, 0)));
    }

    static TokenDecoder fromJson(JsonNode node, String where) {
        if (node == null || node.isNull()) return fuse();
        String type = node.path("type").asText("");
        return switch (type) {
            case "Sequence" -> {
                List<TokenDecoder> steps = new ArrayList<>();
                JsonNode list = node.path("decoders");
                if (!list.isArray()) throw new TokenizerException(where + ": decoder Sequence has no \"decoders\" list");
                for (JsonNode d : list) steps.add(fromJson(d, where));
                yield sequence(steps);
            }
            case "Replace" -> {
                JsonNode pattern = node.path("pattern");
                if (!pattern.has("String"))
                    throw new TokenizerException(where + ": decoder Replace supports only a String pattern");
                yield replace(pattern.get("String").asText(), node.path("content").asText());
            }
            case "ByteFallback" -> byteFallback();
            case "Fuse" -> fuse();
            case "Strip" -> {
                String content = node.path("content").asText();
                if (content.codePointCount(0, content.length()) != 1)
                    throw new TokenizerException(where + ": decoder Strip needs a one-character \"content\"");
                yield strip(content, node.path("start").asInt(0), node.path("stop").asInt(0));
            }
            default -> throw new TokenizerException(where + ": decoder type \"" + type + "\" is not supported");
        };
    }

    static TokenDecoder sequence(List<TokenDecoder> steps) {
        return tokens -> {
            for (TokenDecoder d : steps) tokens = d.apply(tokens);
            return tokens;
        };
    }

    static TokenDecoder replace(String from, String to) {
        return tokens -> tokens.stream().map(t -> t.replace(from, to)).toList();
    }

    static TokenDecoder fuse() {
        return tokens -> List.of(String.join("", tokens));
    }

    /**
     * Removes up to {@code start} leading and {@code stop} trailing copies of {@code content} from
     * each token (after Fuse there is one token: the whole text).
     */
    static TokenDecoder strip(String content, int start, int stop) {
        int c = content.codePointAt(0);
        return tokens -> tokens.stream().map(t -> {
            int[] cps = t.codePoints().toArray();
            int from = 0, to = cps.length;
            while (from < start && from < cps.length && cps[from] == c) from++;
            for (int i = 0; i < stop && to > from && cps[to - 1] == c; i++) to--;
            return new String(cps, from, to - from);
        }).toList();
    }

    /**
     * Joins runs of {@code <0xNN>} tokens into UTF-8 text. As in Hugging Face, a run that is not
     * valid UTF-8 as a whole becomes one U+FFFD per byte (not per bad sequence).
     */
    static TokenDecoder byteFallback() {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            ByteBuffer run = ByteBuffer.allocate(Math.max(16, tokens.size()));
            for (String t : tokens) {
                int b = parseByte(t);
                if (b >= 0) {
                    run.put((byte) b);
                    continue;
                }
                flush(run, out);
                out.add(t);
            }
            flush(run, out);
            return out;
        };
    }

    private static int parseByte(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
        int hi = hex(t.charAt(3)), lo = hex(t.charAt(4));
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** ASCII hex digit value (Character.digit would also accept e.g. full-width digits). */
    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    private static void flush(ByteBuffer run, List<String> out) {
        if (run.position() == 0) return;
        run.flip();
        int n = run.remaining();
        try {
            out.add(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(run).toString());
        } catch (CharacterCodingException e) {
            out.add("\uFFFD".repeat(n));
        }
        run.clear();
    }
}
