package org.idefics4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.idefics4j.generation.GenerationConfig;
import picocli.CommandLine.Option;

import java.util.List;

/** The generation options shared by the commands that generate; names follow transformers. */
final class GenerationOptions {
    @Option(names = "--max-new-tokens", description = "Tokens to generate at most.")
    Integer maxNewTokens;
    @Option(names = "--max-length", description = "Total length (prompt included) at most.")
    Integer maxLength;
    @Option(names = "--min-new-tokens", description = "No end-of-sequence before this many new tokens.")
    Integer minNewTokens;
    @Option(names = "--do-sample", description = "Sample instead of greedy search.")
    Boolean doSample;
    @Option(names = "--temperature")
    Double temperature;
    @Option(names = "--top-k")
    Integer topK;
    @Option(names = "--top-p")
    Double topP;
    @Option(names = "--repetition-penalty")
    Double repetitionPenalty;
    @Option(names = "--no-repeat-ngram-size")
    Integer noRepeatNgramSize;
    @Option(names = "--num-beams")
    Integer numBeams;
    @Option(names = "--length-penalty")
    Double lengthPenalty;
    @Option(names = "--early-stopping")
    Boolean earlyStopping;
    @Option(names = "--num-return-sequences")
    Integer numReturnSequences;
    @Option(names = "--eos-token-id", split = ",", description = "End-of-sequence id(s); generation of a row stops at any.")
    List<Integer> eosTokenId;
    @Option(names = "--pad-token-id")
    Integer padTokenId;
    @Option(names = "--bad-words-ids", description = "JSON list of banned token sequences, e.g. [[32000],[32001]].")
    String badWordsIds;
    @Option(names = "--stop", description = "Stop a row once its text ends with this string (repeatable).")
    List<String> stopStrings;
    @Option(names = "--seed", description = "Seed of the sampler.")
    Long seed;

    GenerationConfig apply(GenerationConfig c) throws Exception {
        if (maxNewTokens != null) c.maxNewTokens = maxNewTokens;
        if (maxLength != null) c.maxLength = maxLength;
        if (minNewTokens != null) c.minNewTokens = minNewTokens;
        if (doSample != null) c.doSample = doSample;
        if (temperature != null) c.temperature = temperature;
        if (topK != null) c.topK = topK;
        if (topP != null) c.topP = topP;
        if (repetitionPenalty != null) c.repetitionPenalty = repetitionPenalty;
        if (noRepeatNgramSize != null) c.noRepeatNgramSize = noRepeatNgramSize;
        if (numBeams != null) c.numBeams = numBeams;
        if (lengthPenalty != null) c.lengthPenalty = lengthPenalty;
        if (earlyStopping != null) c.earlyStopping = earlyStopping;
        if (numReturnSequences != null) c.numReturnSequences = numReturnSequences;
        if (eosTokenId != null) c.eosTokenId = eosTokenId;
        if (padTokenId != null) c.padTokenId = padTokenId;
        if (badWordsIds != null) {
            try {
                c.badWordsIds = GenerationConfig.parseBadWords(new ObjectMapper().readTree(badWordsIds), "--bad-words-ids");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("--bad-words-ids is not valid JSON: " + badWordsIds);
            }
        }
        if (stopStrings != null) c.stopStrings = stopStrings;
        if (seed != null) c.seed = seed;
        c.validate();
        return c;
    }
}
