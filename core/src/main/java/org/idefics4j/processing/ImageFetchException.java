package org.idefics4j.processing;

/** A URL prompt item could not be turned into image bytes; the message names the URL. */
public class ImageFetchException extends RuntimeException {
    private final String url;

    public ImageFetchException(String url, String reason, Throwable cause) {
        super("cannot fetch image " + url + ": " + reason, cause);
        this.url = url;
    }

    /** The URL as given in the prompt. */
    public String url() {
        return url;
    }
}
