package org.idefics4j.processing.tokenizer;

/**
 * Options of {@link LlamaTokenizer#batchEncode}, mirroring the transformers call arguments
 * ({@code add_special_tokens}, {@code padding}, {@code max_length}, {@code truncation},
 * {@code pad_to_multiple_of}; the sides default to the tokenizer's configured ones).
 *
 * @param addSpecialTokens add BOS/EOS as configured ({@code add_bos_token}, {@code add_eos_token})
 * @param padding          how to pad
 * @param maxLength        null: {@code model_max_length} where truncation or MAX_LENGTH padding need one
 * @param truncation       cut sequences longer than the max length (special tokens count and are kept)
 * @param paddingSide      null: the tokenizer's {@code padding_side}
 * @param truncationSide   null: the tokenizer's {@code truncation_side}
 * @param padToMultipleOf  null or a positive multiple the padded length is rounded up to
 */
public record BatchOptions(boolean addSpecialTokens, Padding padding, Integer maxLength, boolean truncation,
                           Side paddingSide, Side truncationSide, Integer padToMultipleOf) {

    public enum Padding {
        /** Keep every sequence at its own length ({@code padding=False}). */
        DO_NOT_PAD,
        /** Pad to the longest sequence of the batch ({@code padding="longest"} / {@code True}). */
        LONGEST,
        /** Pad to {@code maxLength} ({@code padding="max_length"}). */
        MAX_LENGTH
    }

    public enum Side { LEFT, RIGHT }

    public BatchOptions {
        if (padding == null) throw new IllegalArgumentException("padding must not be null");
        if (maxLength != null && maxLength < 0) throw new IllegalArgumentException("maxLength must be >= 0, got " + maxLength);
        if (padToMultipleOf != null && padToMultipleOf <= 0)
            throw new IllegalArgumentException("padToMultipleOf must be > 0, got " + padToMultipleOf);
    }

    /** Special tokens added, padding to the longest, no truncation: the usual processor call. */
    public static BatchOptions defaults() {
        return new BatchOptions(true, Padding.LONGEST, null, false, null, null, null);
    }

    public BatchOptions withAddSpecialTokens(boolean v) {
        return new BatchOptions(v, padding, maxLength, truncation, paddingSide, truncationSide, padToMultipleOf);
    }

    public BatchOptions withPadding(Padding v) {
        return new BatchOptions(addSpecialTokens, v, maxLength, truncation, paddingSide, truncationSide, padToMultipleOf);
    }

    public BatchOptions withMaxLength(Integer v) {
        return new BatchOptions(addSpecialTokens, padding, v, truncation, paddingSide, truncationSide, padToMultipleOf);
    }

    public BatchOptions withTruncation(boolean v) {
        return new BatchOptions(addSpecialTokens, padding, maxLength, v, paddingSide, truncationSide, padToMultipleOf);
    }

    public BatchOptions withPaddingSide(Side v) {
        return new BatchOptions(addSpecialTokens, padding, maxLength, truncation, v, truncationSide, padToMultipleOf);
    }

    public BatchOptions withTruncationSide(Side v) {
        return new BatchOptions(addSpecialTokens, padding, maxLength, truncation, paddingSide, v, padToMultipleOf);
    }

    public BatchOptions withPadToMultipleOf(Integer v) {
        return new BatchOptions(addSpecialTokens, padding, maxLength, truncation, paddingSide, truncationSide, v);
    }
}
