package org.idefics4j.processing.image;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * An 8-bit RGB image, channels last ({@code [height, width, 3]} row-major, like the numpy array
 * the Hugging Face processor works on). Immutable: the pixel array is never exposed.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final byte[] rgb;

    private RgbImage(int width, int height, byte[] rgb) {
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    /** Wraps a copy of {@code rgb} (length {@code width * height * 3}, row-major, R G B per pixel). */
    public static RgbImage of(int width, int height, byte[] rgb) {
        Objects.requireNonNull(rgb, "rgb");
        check(width, height);
        if (rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("RGB data of a " + width + "x" + height + " image needs "
                    + ((long) width * height * 3) + " bytes, got " + rgb.length);
        }
        return new RgbImage(width, height, rgb.clone());
    }

    /** Takes ownership of the array (internal: callers inside the package never reuse it). */
    static RgbImage wrap(int width, int height, byte[] rgb) {
        return new RgbImage(width, height, rgb);
    }

    static void check(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel (x, y), 0..255. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** A copy of the pixels, {@code [height, width, 3]} row-major. */
    public byte[] toBytes() {
        return rgb.clone();
    }

    /** Package access without a copy (read only by convention). */
    byte[] bytes() {
        return rgb;
    }

    /**
     * Resize with Pillow's {@code Image.resize(size, BICUBIC, reducing_gap=None)}, bit for bit
     * (see {@link PillowResample}). Same size returns an unfiltered copy, as Pillow does.
     */
    public RgbImage resizeBicubic(int newWidth, int newHeight) {
        check(newWidth, newHeight);
        return wrap(newWidth, newHeight, PillowResample.bicubic(rgb, width, height, 3, newWidth, newHeight));
    }

    /** An AWT image of type {@code TYPE_INT_RGB} with the same pixels. */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                row[x] = (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff);
            }
            img.setRGB(0, y, width, 1, row, 0, width);
        }
        return img;
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
