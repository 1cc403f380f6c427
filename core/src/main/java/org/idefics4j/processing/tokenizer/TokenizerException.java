package org.idefics4j.processing.tokenizer;

/**
 * A tokenizer folder or input that cannot be used: missing or malformed files, unsupported
 * components, ids outside the vocabulary. The message names the file and key (or the id) at fault.
 */
public class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
