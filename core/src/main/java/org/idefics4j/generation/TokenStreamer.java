package org.idefics4j.generation;

/** Receives tokens as they are generated (transformers' streamer). */
public interface TokenStreamer {
    /** The token chosen for every row at this step (padding for finished rows). */
    void put(int[] tokens);

    /** Generation has ended. */
    default void end() {
    }
}
