package org.idefics4j.engine.safetensors;

/** A safetensors file or checkpoint folder that cannot be used; the message names the file and tensor. */
public class SafetensorsException extends RuntimeException {
    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
