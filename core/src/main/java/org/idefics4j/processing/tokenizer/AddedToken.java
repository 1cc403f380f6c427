package org.idefics4j.processing.tokenizer;

/**
 * A token matched verbatim in the input before the model sees it, with the flags Hugging Face
 * stores for it ({@code tokenizer.json} {@code added_tokens}, {@code added_tokens_decoder}).
 *
 * @param id         vocabulary id
 * @param content    the literal text
 * @param singleWord only match when not inside a word
 * @param lstrip     the match swallows whitespace on its left
 * @param rstrip     the match swallows whitespace on its right
 * @param normalized match against the normalized text instead of the raw text
 * @param special    dropped by {@code skipSpecialTokens} when decoding
 */
public record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                         boolean normalized, boolean special) {

    /** A special token with the flags transformers gives special tokens: verbatim, no stripping. */
    public static AddedToken special(int id, String content) {
        return new AddedToken(id, content, false, false, false, false, true);
    }

    AddedToken withSpecial(boolean special) {
        return new AddedToken(id, content, singleWord, lstrip, rstrip, normalized, special);
    }
}
