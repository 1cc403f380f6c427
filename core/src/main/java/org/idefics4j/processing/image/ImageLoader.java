package org.idefics4j.processing.image;

import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Decodes PNG, JPEG, GIF, BMP and WebP files or byte arrays into {@link DecodedImage}s with the
 * pixel values and mode Pillow would produce. Immutable; configure with the {@code with...} methods.
 *
 * <ul>
 * <li>PNG: own decoder ({@link PngDecoder}) for Pillow's mode semantics.</li>
 * <li>JPEG: the JDK's libjpeg-based reader (raw decoded samples, no ICC conversion, like Pillow);
 *     4-channel Adobe CMYK/YCCK JPEGs are converted the way Pillow converts CMYK to RGB.
 *     EXIF orientation is applied by default (Pillow/HF do not; see {@link #withExifOrientation}).</li>
 * <li>GIF (first frame), BMP: the JDK readers. WebP: TwelveMonkeys.</li>
 * </ul>
 * The header's width × height is checked against {@link #maxPixels()} before decoding
 * (decompression bombs). Every failure is an {@link ImageDecodeException} naming the source.
 */
public final class ImageLoader {
    /** Pillow's {@code Image.MAX_IMAGE_PIXELS}: 1024 · 1024 · 1024 / 4 / 3. */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

    /** Image formats recognised by their leading bytes. */
    public enum Format { PNG, JPEG, GIF, BMP, WEBP }

    private static final ImageLoader DEFAULT = new ImageLoader(DEFAULT_MAX_PIXELS, true);

    private final long maxPixels;
    private final boolean exifOrientation;

    private ImageLoader(long maxPixels, boolean exifOrientation) {
        if (maxPixels <= 0) throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        this.maxPixels = maxPixels;
        this.exifOrientation = exifOrientation;
    }

    /** Default settings: {@link #DEFAULT_MAX_PIXELS}, EXIF orientation applied to JPEGs. */
    public static ImageLoader defaults() {
        return DEFAULT;
    }

    /** A loader with another pixel limit (width × height of the decoded image). */
    public ImageLoader withMaxPixels(long limit) {
        return new ImageLoader(limit, exifOrientation);
    }

    /**
     * Whether the EXIF orientation of JPEG photos is applied. Pass {@code false} to reproduce the
     * Hugging Face pipeline exactly ({@code fetch_images} decodes with PIL without transposing).
     */
    public ImageLoader withExifOrientation(boolean apply) {
        return new ImageLoader(maxPixels, apply);
    }

    public long maxPixels() {
        return maxPixels;
    }

    public boolean appliesExifOrientation() {
        return exifOrientation;
    }

    /** Decodes a file; errors name the file. */
    public DecodedImage load(Path file) {
        Objects.requireNonNull(file, "file");
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(file + ": no such file", e);
        } catch (IOException e) {
            throw new ImageDecodeException(file + ": cannot read (" + e.getMessage() + ")", e);
        } catch (OutOfMemoryError e) {
            throw new ImageDecodeException(file + ": file too large to read into memory", null);
        }
        return load(data, file.toString());
    }

    /** Decodes in-memory data (errors say {@code <bytes>}). */
    public DecodedImage load(byte[] data) {
        return load(data, "<bytes>");
    }

    /** Decodes in-memory data; {@code sourceName} is used in error messages. */
    public DecodedImage load(byte[] data, String sourceName) {
        Objects.requireNonNull(data, "data");
        String src = sourceName == null ? "<bytes>" : sourceName;
        if (data.length == 0) throw new ImageDecodeException(src + ": empty file, not an image");
        Format f = detect(data);
        if (f == null) {
            throw new ImageDecodeException(src + ": unsupported image format" + describeUnknown(data)
                    + " (supported: PNG, JPEG, GIF, BMP, WebP)");
        }
        try {
            return switch (f) {
                case PNG -> PngDecoder.decode(data, src, maxPixels);
                case JPEG -> decodeJpeg(data, src);
                case GIF -> decodeGif(data, src);
                case BMP -> DecodedImage.fromBufferedImage(readWith(jdkReader("bmp"), data, src, f));
                case WEBP -> DecodedImage.fromBufferedImage(
                        readWith(new WebPImageReaderSpi().createReaderInstance(null), data, src, f));
            };
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(src + ": corrupt or unsupported " + f + " data (" + reason(e) + ")", e);
        }
    }

    /**
     * Turns any supported image input into a {@link DecodedImage}: {@link DecodedImage},
     * {@link RgbImage}, {@link BufferedImage}, {@link Path}, {@link File} or {@code byte[]}.
     */
    public DecodedImage toImage(Object image) {
        if (image instanceof DecodedImage d) return d;
        if (image instanceof RgbImage r) return DecodedImage.wrap(DecodedImage.Mode.RGB, r.width(), r.height(), r.bytes().clone());
        if (image instanceof BufferedImage b) return DecodedImage.fromBufferedImage(b);
        if (image instanceof Path p) return load(p);
        if (image instanceof File file) return load(file.toPath());
        if (image instanceof byte[] bytes) return load(bytes);
        throw new IllegalArgumentException("unsupported image input "
                + (image == null ? "null" : image.getClass().getName())
                + " (expected DecodedImage, RgbImage, BufferedImage, Path, File or byte[])");
    }

    /** The format announced by the leading bytes, or {@code null}. */
    public static Format detect(byte[] d) {
        if (PngDecoder.matches(d)) return Format.PNG;
        if (d.length >= 3 && (d[0] & 0xff) == 0xFF && (d[1] & 0xff) == 0xD8 && (d[2] & 0xff) == 0xFF) return Format.JPEG;
        if (d.length >= 6 && d[0] == 'G' && d[1] == 'I' && d[2] == 'F' && d[3] == '8'
                && (d[4] == '7' || d[4] == '9') && d[5] == 'a') return Format.GIF;
        if (d.length >= 14 && d[0] == 'B' && d[1] == 'M') return Format.BMP;
        if (d.length >= 12 && d[0] == 'R' && d[1] == 'I' && d[2] == 'F' && d[3] == 'F'
                && d[8] == 'W' && d[9] == 'E' && d[10] == 'B' && d[11] == 'P') return Format.WEBP;
        return null;
    }

    private static String describeUnknown(byte[] d) {
        if (d.length >= 4 && ((d[0] == 'I' && d[1] == 'I' && d[2] == 42 && d[3] == 0)
                || (d[0] == 'M' && d[1] == 'M' && d[2] == 0 && d[3] == 42))) return " (TIFF)";
        if (d.length >= 12 && d[4] == 'f' && d[5] == 't' && d[6] == 'y' && d[7] == 'p') {
            return " (ISO media: " + new String(d, 8, 4, java.nio.charset.StandardCharsets.ISO_8859_1).trim() + ", e.g. HEIC/AVIF)";
        }
        if (d.length >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 1 && d[3] == 0) return " (ICO)";
        if (d.length >= 4 && d[0] == '8' && d[1] == 'B' && d[2] == 'P' && d[3] == 'S') return " (PSD)";
        return "";
    }

    private static String reason(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** The JDK's own reader (not a third-party one that happens to be registered first). */
    private static ImageReader jdkReader(String format) {
        ImageReader fallback = null;
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format); it.hasNext(); ) {
            ImageReader r = it.next();
            if (r.getClass().getName().startsWith("com.sun.imageio.")) return r;
            if (fallback == null) fallback = r;
        }
        if (fallback == null) throw new IllegalStateException("no ImageIO reader for " + format);
        return fallback;
    }

    /** Header size check shared by the ImageIO-based paths. */
    private void checkSize(ImageReader r, String src) throws IOException {
        long w = r.getWidth(0);
        long h = r.getHeight(0);
        if (w <= 0 || h <= 0) throw new ImageDecodeException(src + ": corrupt image (size " + w + "x" + h + ")");
        if (w * h > maxPixels) throw new ImageDecodeException.TooManyPixels(src, w, h, maxPixels);
    }

    /** In-memory stream: ImageIO.createImageInputStream may spill to temporary files. */
    private static ImageInputStream stream(byte[] data) {
        return new MemoryCacheImageInputStream(new ByteArrayInputStream(data));
    }

    /** Truncation is a warning in libjpeg and the JDK readers; Pillow refuses truncated files. */
    private static final class Warnings implements IIOReadWarningListener {
        final List<String> messages = new ArrayList<>();

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            messages.add(warning);
        }

        void failOnTruncation(String src, Format f) {
            for (String m : messages) {
                String l = m.toLowerCase(java.util.Locale.ROOT);
                if (l.contains("premature end") || l.contains("truncated") || l.contains("end of file")) {
                    throw new ImageDecodeException(src + ": truncated " + f + " (" + m + ")");
                }
            }
        }
    }

    private BufferedImage readWith(ImageReader r, byte[] data, String src, Format f) throws IOException {
        try (ImageInputStream in = stream(data)) {
            r.setInput(in, true, true);
            checkSize(r, src);
            Warnings warnings = new Warnings();
            r.addIIOReadWarningListener(warnings);
            BufferedImage img = r.read(0);
            warnings.failOnTruncation(src, f);
            return img;
        } finally {
            r.dispose();
        }
    }

    /** First frame on Pillow's logical-screen canvas (see {@link GifFrame} for the JDK workaround). */
    private DecodedImage decodeGif(byte[] data, String src) throws IOException {
        GifFrame gf = GifFrame.parse(data);
        if (gf == null) throw new ImageDecodeException(src + ": corrupt GIF (no image in the file)");
        if ((long) gf.screenW * gf.screenH > maxPixels) {
            throw new ImageDecodeException.TooManyPixels(src, gf.screenW, gf.screenH, maxPixels);
        }
        BufferedImage bi = readWith(jdkReader("gif"), gf.interlaced ? gf.withoutInterlaceFlag(data) : data,
                src, Format.GIF);
        int[] fill = {0, 0, 0, 255};
        if (bi.getColorModel() instanceof java.awt.image.IndexColorModel icm) {
            // Pillow fills the canvas with the transparent index, else index 0.
            int t = icm.getTransparentPixel();
            int idx = t >= 0 ? t : 0;
            fill = new int[]{icm.getRed(idx), icm.getGreen(idx), icm.getBlue(idx), icm.getAlpha(idx)};
        }
        return gf.toCanvas(DecodedImage.fromBufferedImage(bi), fill);
    }

    private DecodedImage decodeJpeg(byte[] data, String src) throws IOException {
        ImageReader r = jdkReader("jpeg");
        DecodedImage img;
        try (ImageInputStream in = stream(data)) {
            r.setInput(in, true, true);
            checkSize(r, src);
            Warnings warnings = new Warnings();
            r.addIIOReadWarningListener(warnings);
            int components = JpegInfo.components(data);
            if (components == 4) {
                // The JDK cannot colour-convert CMYK; its raw raster is what libjpeg stores.
                Raster raster = r.readRaster(0, null);
                warnings.failOnTruncation(src, Format.JPEG);
                img = JpegInfo.cmykToImage(raster, JpegInfo.adobeTransform(data));
            } else if (components == 1 || components == 3) {
                BufferedImage bi = r.read(0);
                warnings.failOnTruncation(src, Format.JPEG);
                img = fromJpegRaster(bi.getRaster(), components);
            } else {
                throw new ImageDecodeException(src + ": unsupported JPEG (" + components + " colour components)");
            }
        } catch (IIOException e) {
            String m = reason(e);
            if (m.toLowerCase(java.util.Locale.ROOT).contains("premature") || m.contains("EOF")) {
                throw new ImageDecodeException(src + ": truncated JPEG (" + m + ")", e);
            }
            throw new ImageDecodeException(src + ": corrupt or unsupported JPEG (" + m + ")", e);
        } finally {
            r.dispose();
        }
        if (exifOrientation) img = ExifOrientation.apply(img, ExifOrientation.read(data));
        return img;
    }

    /** Raw samples of the JDK's decode: band order is R, G, B (or a single grey band). */
    private static DecodedImage fromJpegRaster(Raster raster, int components) {
        int w = raster.getWidth(), h = raster.getHeight();
        int bands = raster.getNumBands();
        int[] px = raster.getPixels(0, 0, w, h, (int[]) null);
        if (bands == 1) {
            byte[] out = new byte[w * h * 4];
            for (int i = 0; i < w * h; i++) {
                out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = (byte) px[i];
                out[4 * i + 3] = (byte) 255;
            }
            return DecodedImage.wrap(DecodedImage.Mode.L, w, h, out);
        }
        if (bands != 3) throw new IllegalStateException("unexpected " + bands + "-band JPEG raster");
        byte[] out = new byte[w * h * 3];
        for (int i = 0; i < out.length; i++) out[i] = (byte) px[i];
        return DecodedImage.wrap(DecodedImage.Mode.RGB, w, h, out);
    }
}
