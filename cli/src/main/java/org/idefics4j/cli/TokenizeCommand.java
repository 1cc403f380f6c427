package org.idefics4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.idefics4j.processing.tokenizer.LlamaTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code idefics4j tokenize}: encode texts to ids or decode ids to text with a tokenizer folder. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {
                "Encode TEXTs with a Hugging Face tokenizer folder (tokenizer.json or tokenizer.model, plus its configs),"
                        + " or decode ids with --decode.",
                "Output is JSON Lines on stdout: one object {\"ids\": [...], \"tokens\": [...], \"text\": \"...\"}"
                        + " per TEXT when encoding (tokens align with ids, BOS included); a single such object when"
                        + " decoding, where all the arguments together are one id sequence."},
        footer = {"", "Examples:",
                "  idefics4j tokenize --tokenizer tok/ \"User: Describe<image>\" \"Assistant:\"",
                "  idefics4j tokenize --tokenizer tok/ --decode 1 4911 29901",
                "  idefics4j tokenize --tokenizer tok/ --decode \"[1, 4911, 29901]\" --skip-special-tokens"})
public final class TokenizeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
            description = "Tokenizer folder (tokenizer.json or tokenizer.model, tokenizer_config.json, ...).")
    Path tokenizer;

    @Option(names = "--no-bos", description = "Encode without special tokens (no BOS, nor EOS where add_eos_token is set).")
    boolean noBos;

    @Option(names = "--decode", description = "Treat the arguments as token ids (integers, or JSON lists of integers) and decode them.")
    boolean decode;

    @Option(names = "--skip-special-tokens", description = "With --decode: leave special tokens (<s>, <image>, ...) out of text and tokens.")
    boolean skipSpecial;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Texts to encode, or ids with --decode.")
    List<String> inputs;

    @Override
    public Integer call() throws Exception {
        LlamaTokenizer tok = LlamaTokenizer.from(tokenizer);
        PrintWriter out = spec.commandLine().getOut();
        if (decode) {
            int[] ids = parseIds(inputs);
            ObjectNode o = JSON.createObjectNode();
            o.putPOJO("ids", skipSpecial ? dropSpecial(tok, ids) : ids);
            o.putPOJO("tokens", tok.convertIdsToTokens(ids, skipSpecial));
            o.put("text", tok.decode(ids, skipSpecial));
            out.println(JSON.writeValueAsString(o));
        } else {
            for (String text : inputs) {
                int[] ids = tok.encode(text, !noBos);
                ObjectNode o = JSON.createObjectNode();
                o.putPOJO("ids", ids);
                o.putPOJO("tokens", tok.convertIdsToTokens(ids));
                o.put("text", text);
                out.println(JSON.writeValueAsString(o));
            }
        }
        out.flush();
        return 0;
    }

    private static int[] dropSpecial(LlamaTokenizer tok, int[] ids) {
        return java.util.Arrays.stream(ids).filter(id -> !tok.allSpecialIds().contains(id)).toArray();
    }

    /** Ids from arguments like {@code 1 4911 29901}, {@code "[1, 4911, 29901]"} or {@code 1,4911}. */
    static int[] parseIds(List<String> args) {
        List<Integer> ids = new ArrayList<>();
        for (String arg : args) {
            String s = arg.strip();
            if (s.startsWith("[")) {
                JsonNode node;
                try {
                    node = JSON.readTree(s);
                } catch (Exception e) {
                    throw new IllegalArgumentException("--decode: \"" + arg + "\" is not a JSON list of ids");
                }
                for (JsonNode n : node) {
                    if (!n.isIntegralNumber() || !n.canConvertToInt())
                        throw new IllegalArgumentException("--decode: \"" + n + "\" in " + arg + " is not an integer id");
                    ids.add(n.intValue());
                }
                continue;
            }
            for (String part : s.split("[,\\s]+")) {
                if (part.isEmpty()) continue;
                try {
                    ids.add(Integer.parseInt(part));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--decode expects token ids, got \"" + part + "\"");
                }
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
