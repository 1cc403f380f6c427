package org.idefics4j.processing.image;

/**
 * An image could not be decoded: corrupt, truncated or unsupported data, or too many pixels.
 * The message always names the source (file name, or {@code <bytes>} for in-memory data).
 */
public class ImageDecodeException extends RuntimeException {
    public ImageDecodeException(String message) {
        super(message);
    }

    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Thrown before decoding when the header announces more pixels than the configured limit. */
    public static final class TooManyPixels extends ImageDecodeException {
        private final long pixels;
        private final long limit;

        public TooManyPixels(String source, long width, long height, long limit) {
            super(source + ": image is " + width + "x" + height + " = " + (width * height)
                    + " pixels, more than the limit of " + limit
                    + " (possible decompression bomb; raise the pixel limit — ImageLoader.withMaxPixels, CLI --max-pixels — to accept it)");
            this.pixels = width * height;
            this.limit = limit;
        }

        public long pixels() {
            return pixels;
        }

        public long limit() {
            return limit;
        }
    }
}
