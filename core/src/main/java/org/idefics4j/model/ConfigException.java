package org.idefics4j.model;

/** A configuration that cannot be used; the message names the file and key. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
