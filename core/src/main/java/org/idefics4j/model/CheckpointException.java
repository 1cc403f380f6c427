package org.idefics4j.model;

/** A checkpoint whose tensors do not fit the config: missing, extra, wrong shape or dtype. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }
}
