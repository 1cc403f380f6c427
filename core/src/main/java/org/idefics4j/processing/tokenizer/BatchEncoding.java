package org.idefics4j.processing.tokenizer;

/**
 * The result of {@link LlamaTokenizer#batchEncode}: one row per input text, padded to a common
 * length when padding was asked for.
 *
 * @param inputIds      token ids per text
 * @param attentionMask 1 for real tokens, 0 for padding, same shape as {@code inputIds}
 */
public record BatchEncoding(int[][] inputIds, int[][] attentionMask) {
    public int size() {
        return inputIds.length;
    }
}
