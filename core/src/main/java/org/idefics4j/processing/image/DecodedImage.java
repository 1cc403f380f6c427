package org.idefics4j.processing.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.util.Objects;

/**
 * A decoded image as Pillow would hold it after {@code Image.open}: the Pillow mode it opens as
 * plus its pixels. The Hugging Face processor branches on that mode (an {@code RGB} image is used as
 * is, anything else goes through RGBA and is composited over white), so it must survive decoding.
 *
 * <p>Storage is canonical: an {@link Mode#RGB} image keeps 3 bytes per pixel; every other mode is
 * stored as Pillow's {@code convert("RGBA")} of it (4 bytes per pixel), which is the only thing the
 * processor ever reads from such an image. Immutable.
 */
public final class DecodedImage {

    /** The Pillow mode an image opens as (what {@code PIL.Image.mode} reports). */
    public enum Mode {
        /** 1-bit bilevel (values 0 / 255). */
        ONE("1"),
        /** 8-bit grey (also PNG grey of 2 / 4 bits, scaled to 8). */
        L("L"),
        /** 8-bit grey + alpha. */
        LA("LA"),
        /** Palette, possibly with per-entry alpha (PNG tRNS, GIF transparency). */
        P("P"),
        /** 32-bit integer grey: 16-bit grey PNGs open like this in Pillow 9.x. */
        I("I"),
        RGB("RGB"),
        RGBA("RGBA"),
        CMYK("CMYK");

        private final String pillowName;

        Mode(String pillowName) {
            this.pillowName = pillowName;
        }

        public String pillowName() {
            return pillowName;
        }
    }

    private final int width;
    private final int height;
    private final Mode mode;
    private final byte[] pixels; // RGB (mode RGB) or RGBA (every other mode)

    private DecodedImage(int width, int height, Mode mode, byte[] pixels) {
        RgbImage.check(width, height);
        long need = (long) width * height * (mode == Mode.RGB ? 3 : 4);
        if (pixels.length != need) {
            throw new IllegalArgumentException("a " + width + "x" + height + " " + mode.pillowName()
                    + " image needs " + need + " bytes, got " + pixels.length);
        }
        this.width = width;
        this.height = height;
        this.mode = mode;
        this.pixels = pixels;
    }

    /** An RGB image from a copy of {@code rgb} (3 bytes per pixel, row-major). */
    public static DecodedImage ofRgb(int width, int height, byte[] rgb) {
        return new DecodedImage(width, height, Mode.RGB, rgb.clone());
    }

    /**
     * A non-RGB image given as its RGBA conversion (4 bytes per pixel, non-premultiplied), with the
     * mode it was decoded as ({@code mode} must not be {@link Mode#RGB}).
     */
    public static DecodedImage ofRgba(Mode mode, int width, int height, byte[] rgba) {
        Objects.requireNonNull(mode, "mode");
        if (mode == Mode.RGB) throw new IllegalArgumentException("use ofRgb for RGB images");
        return new DecodedImage(width, height, mode, rgba.clone());
    }

    static DecodedImage wrap(Mode mode, int width, int height, byte[] pixels) {
        return new DecodedImage(width, height, mode, pixels);
    }

    /**
     * Converts an AWT image, choosing the Pillow mode its layout corresponds to: colour without
     * alpha → RGB, grey without alpha → L, indexed → P, anything with alpha → RGBA.
     * Grey rasters are read as raw samples (AWT's {@code getRGB} would gamma-convert linear grey).
     */
    public static DecodedImage fromBufferedImage(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        int w = image.getWidth();
        int h = image.getHeight();
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        if (cm instanceof IndexColorModel icm) {
            byte[] out = new byte[w * h * 4];
            int[] px = new int[1];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    raster.getPixel(x, y, px);
                    int idx = px[0];
                    int i = (y * w + x) * 4;
                    out[i] = (byte) icm.getRed(idx);
                    out[i + 1] = (byte) icm.getGreen(idx);
                    out[i + 2] = (byte) icm.getBlue(idx);
                    out[i + 3] = (byte) icm.getAlpha(idx);
                }
            }
            return wrap(Mode.P, w, h, out);
        }
        int bands = raster.getNumBands();
        boolean grey = cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
                && (bands == 1 || bands == 2);
        if (grey) {
            int bits = cm.getComponentSize(0);
            int shift = Math.max(0, bits - 8); // keep the most significant byte, like Pillow's ;16B unpackers
            byte[] out = new byte[w * h * 4];
            int[] px = new int[bands];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    raster.getPixel(x, y, px);
                    int l = px[0] >> shift;
                    int i = (y * w + x) * 4;
                    out[i] = out[i + 1] = out[i + 2] = (byte) l;
                    out[i + 3] = (byte) (bands == 2 ? px[1] >> Math.max(0, cm.getComponentSize(1) - 8) : 255);
                }
            }
            return wrap(bands == 2 ? Mode.LA : Mode.L, w, h, out);
        }
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        if (cm.hasAlpha()) {
            byte[] out = new byte[w * h * 4];
            for (int i = 0; i < argb.length; i++) {
                int p = argb[i];
                out[i * 4] = (byte) (p >> 16);
                out[i * 4 + 1] = (byte) (p >> 8);
                out[i * 4 + 2] = (byte) p;
                out[i * 4 + 3] = (byte) (p >>> 24);
            }
            return wrap(Mode.RGBA, w, h, out);
        }
        byte[] out = new byte[w * h * 3];
        for (int i = 0; i < argb.length; i++) {
            int p = argb[i];
            out[i * 3] = (byte) (p >> 16);
            out[i * 3 + 1] = (byte) (p >> 8);
            out[i * 3 + 2] = (byte) p;
        }
        return wrap(Mode.RGB, w, h, out);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The Pillow mode this image opened as. */
    public Mode mode() {
        return mode;
    }

    /** Bytes per stored pixel: 3 for {@link Mode#RGB}, 4 (RGBA) otherwise. */
    public int channels() {
        return mode == Mode.RGB ? 3 : 4;
    }

    /** A copy of the stored pixels (RGB for mode RGB, otherwise Pillow's RGBA conversion). */
    public byte[] toBytes() {
        return pixels.clone();
    }

    byte[] bytes() {
        return pixels;
    }

    /**
     * The processor's RGB conversion (HF {@code convert_to_rgb}): mode RGB is kept as is; any other
     * mode is alpha-composited over opaque white with Pillow's integer arithmetic, alpha dropped.
     */
    public RgbImage toRgb() {
        if (mode == Mode.RGB) return RgbImage.wrap(width, height, pixels.clone());
        return RgbImage.wrap(width, height, AlphaCompositing.overWhite(pixels));
    }

    /** Same image, new pixels (used by the EXIF transposition). */
    DecodedImage withPixels(int newWidth, int newHeight, byte[] newPixels) {
        return new DecodedImage(newWidth, newHeight, mode, newPixels);
    }

    /** An AWT image: {@code TYPE_INT_RGB} for mode RGB, {@code TYPE_INT_ARGB} otherwise. */
    public BufferedImage toBufferedImage() {
        boolean alpha = mode != Mode.RGB;
        BufferedImage img = new BufferedImage(width, height,
                alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        int ch = channels();
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * ch;
                int a = alpha ? pixels[i + 3] & 0xff : 255;
                row[x] = a << 24 | (pixels[i] & 0xff) << 16 | (pixels[i + 1] & 0xff) << 8 | (pixels[i + 2] & 0xff);
            }
            img.setRGB(0, y, width, 1, row, 0, width);
        }
        return img;
    }

    @Override
    public String toString() {
        return "DecodedImage[" + width + "x" + height + ", mode " + mode.pillowName() + "]";
    }
}
