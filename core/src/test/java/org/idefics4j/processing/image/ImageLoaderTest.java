package org.idefics4j.processing.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageLoaderTest {
    static final Path DIR = ImageProcessorGoldenTest.DIR;
    final ImageLoader loader = ImageLoader.defaults();

    static byte[] rgbOf(DecodedImage img) {
        return img.toRgb().toBytes();
    }

    // ------------------------------------------------------------------ PNG modes (Pillow semantics)

    @Test
    void png16BitRgbKeepsTheHighByte() {
        int[] s = {0x1234, 0xFFFF, 0x00FF, 0x8080, 0x7FFF, 0x0100};
        DecodedImage img = loader.load(TestImages.png(2, 1, 16, 2, s, null, null, false));
        assertEquals(DecodedImage.Mode.RGB, img.mode());
        assertArrayEquals(new byte[]{0x12, (byte) 0xFF, 0x00, (byte) 0x80, 0x7F, 0x01}, rgbOf(img));
    }

    @Test
    void png16BitGreyOpensAsModeIAndClips() {
        // Pillow 9.x: 16-bit grey → mode I; I → RGBA clips to 0..255 (no rescaling).
        int[] s = {0, 100, 255, 256, 40000};
        DecodedImage img = loader.load(TestImages.png(5, 1, 16, 0, s, null, null, false));
        assertEquals(DecodedImage.Mode.I, img.mode());
        byte[] rgb = rgbOf(img);
        int[] want = {0, 100, 255, 255, 255};
        for (int i = 0; i < 5; i++) {
            for (int c = 0; c < 3; c++) assertEquals(want[i], rgb[i * 3 + c] & 0xff, "pixel " + i);
        }
    }

    @Test
    void pngLowBitDepthGreyIsScaled() {
        DecodedImage one = loader.load(TestImages.png(3, 1, 1, 0, new int[]{0, 1, 0}, null, null, false));
        assertEquals(DecodedImage.Mode.ONE, one.mode());
        assertArrayEquals(new byte[]{0, 0, 0, -1, -1, -1, 0, 0, 0}, rgbOf(one));
        DecodedImage two = loader.load(TestImages.png(4, 1, 2, 0, new int[]{0, 1, 2, 3}, null, null, false));
        assertEquals(DecodedImage.Mode.L, two.mode());
        byte[] r2 = rgbOf(two);
        for (int i = 0; i < 4; i++) assertEquals(i * 0x55, r2[i * 3] & 0xff);
        DecodedImage four = loader.load(TestImages.png(3, 1, 4, 0, new int[]{0, 7, 15}, null, null, false));
        byte[] r4 = rgbOf(four);
        assertEquals(0, r4[0]);
        assertEquals(7 * 0x11, r4[3] & 0xff);
        assertEquals(255, r4[6] & 0xff);
    }

    @Test
    void pngGreyTransparencyBecomesWhite() {
        byte[] trns = {0, 50};
        DecodedImage img = loader.load(TestImages.png(3, 1, 8, 0, new int[]{50, 51, 0}, null, trns, false));
        assertEquals(DecodedImage.Mode.L, img.mode());
        assertArrayEquals(new byte[]{-1, -1, -1, 51, 51, 51, 0, 0, 0}, rgbOf(img));
    }

    @Test
    void pngRgbWithTrnsStaysRgb() {
        // HF keeps mode RGB images as they are, so a tRNS colour key is ignored (not whitened).
        byte[] trns = {0, 10, 0, 20, 0, 30};
        DecodedImage img = loader.load(TestImages.png(2, 1, 8, 2, new int[]{10, 20, 30, 1, 2, 3}, null, trns, false));
        assertEquals(DecodedImage.Mode.RGB, img.mode());
        assertArrayEquals(new byte[]{10, 20, 30, 1, 2, 3}, rgbOf(img));
    }

    @Test
    void pngPaletteWithTrnsCompositesOverWhite() {
        byte[] plte = {(byte) 200, 100, 50, 0, 0, (byte) 255, 10, 20, 30};
        byte[] trns = {0, (byte) 128}; // entry 0 transparent, 1 half, 2 opaque (missing → 255)
        DecodedImage img = loader.load(TestImages.png(3, 1, 4, 3, new int[]{0, 1, 2}, plte, trns, false));
        assertEquals(DecodedImage.Mode.P, img.mode());
        byte[] rgb = rgbOf(img);
        assertArrayEquals(new byte[]{-1, -1, -1}, Arrays.copyOfRange(rgb, 0, 3));
        for (int c = 0; c < 3; c++) {
            int src = plte[3 + c] & 0xff;
            assertEquals(AlphaCompositing.overWhite(src, 128), rgb[3 + c] & 0xff);
        }
        assertArrayEquals(new byte[]{10, 20, 30}, Arrays.copyOfRange(rgb, 6, 9));
    }

    @Test
    void alphaCompositingMatchesRoundedDivision() {
        // The shift trick equals round((c·a + 255·(255 − a)) / 255) for every input.
        for (int a = 1; a < 256; a++) {
            for (int c = 0; c < 256; c++) {
                int exact = (int) Math.floor((c * a + 255.0 * (255 - a)) / 255.0 + 0.5);
                assertEquals(exact, AlphaCompositing.overWhite(c, a), "c=" + c + " a=" + a);
            }
            assertEquals(255, AlphaCompositing.overWhite(0, 0));
        }
    }

    @Test
    void pngGreyAlpha16BitAndInterlacedMatchPlain() {
        int w = 11, h = 7;
        int[] s = new int[w * h * 2];
        for (int i = 0; i < w * h; i++) {
            s[2 * i] = (i * 977) & 0xffff;
            s[2 * i + 1] = (i * 3001) & 0xffff;
        }
        DecodedImage plain = loader.load(TestImages.png(w, h, 16, 4, s, null, null, false));
        DecodedImage inter = loader.load(TestImages.png(w, h, 16, 4, s, null, null, true));
        assertEquals(DecodedImage.Mode.RGBA, plain.mode()); // Pillow opens 16-bit LA as RGBA
        assertArrayEquals(plain.toBytes(), inter.toBytes());
        byte[] px = plain.toBytes();
        for (int i = 0; i < w * h; i++) {
            assertEquals((byte) (s[2 * i] >> 8), px[4 * i]);
            assertEquals((byte) (s[2 * i + 1] >> 8), px[4 * i + 3]);
        }
    }

    @Test
    void pngDecoderAgreesWithImageIoOnGoldens() throws Exception {
        // Cross-check the hand-written decoder against the JDK on plain 8-bit files.
        for (String f : new String[]{"rgb_gradient_97x61.png", "large_640x480.png", "gray_L_50x70.png",
                "palette_P_40x40.png", "rgba_transparent_64x48.png"}) {
            byte[] data = Files.readAllBytes(DIR.resolve(f));
            DecodedImage mine = loader.load(data, f);
            DecodedImage jdk = DecodedImage.fromBufferedImage(javax.imageio.ImageIO.read(DIR.resolve(f).toFile()));
            assertArrayEquals(jdk.toBytes(), mine.toBytes(), f);
        }
    }

    // ------------------------------------------------------------------ GIF, BMP, WebP

    @Test
    void gifWithTransparentIndex() {
        byte[] r = {(byte) 255, 0, 0, 9}, g = {0, (byte) 255, 0, 9}, b = {0, 0, (byte) 255, 9};
        IndexColorModel icm = new IndexColorModel(8, 4, r, g, b, 3);
        BufferedImage img = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_INDEXED, icm);
        WritableRaster wr = img.getRaster();
        int[] idx = {0, 1, 2, 3, 3, 2, 1, 0};
        for (int i = 0; i < 8; i++) wr.setSample(i % 4, i / 4, 0, idx[i]);
        DecodedImage d = loader.load(TestImages.write(img, "gif"), "t.gif");
        assertEquals(DecodedImage.Mode.P, d.mode());
        byte[] rgb = rgbOf(d);
        assertArrayEquals(new byte[]{-1, 0, 0, 0, -1, 0, 0, 0, -1, -1, -1, -1}, Arrays.copyOfRange(rgb, 0, 12));
        assertArrayEquals(new byte[]{-1, -1, -1, 0, 0, -1, 0, -1, 0, -1, 0, 0}, Arrays.copyOfRange(rgb, 12, 24));
    }

    @Test
    void interlacedGifsOfEveryHeight() throws Exception {
        // The JDK reader alone mis-orders interlaced frames 2-4 rows high; the loader must not.
        byte[] r = {(byte) 255, 0, 0, 9}, g = {0, (byte) 255, 0, 9}, b = {0, 0, (byte) 255, 9};
        IndexColorModel icm = new IndexColorModel(8, 4, r, g, b);
        for (int h = 1; h <= 19; h++) {
            BufferedImage img = new BufferedImage(3, h, BufferedImage.TYPE_BYTE_INDEXED, icm);
            for (int y = 0; y < h; y++) for (int x = 0; x < 3; x++) img.getRaster().setSample(x, y, 0, (x + 2 * y) % 4);
            javax.imageio.ImageWriter w = javax.imageio.ImageIO.getImageWritersByFormatName("gif").next();
            javax.imageio.ImageWriteParam p = w.getDefaultWriteParam();
            p.setProgressiveMode(javax.imageio.ImageWriteParam.MODE_DEFAULT); // interlaced
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (var ios = javax.imageio.ImageIO.createImageOutputStream(out)) {
                w.setOutput(ios);
                w.write(null, new javax.imageio.IIOImage(img, null, null), p);
            }
            byte[] gif = out.toByteArray();
            assertTrue(GifFrame.parse(gif).interlaced);
            DecodedImage d = loader.load(gif, "i.gif");
            assertEquals(DecodedImage.fromBufferedImage(img).toRgb().toBytes().length, rgbOf(d).length);
            assertArrayEquals(DecodedImage.fromBufferedImage(img).toRgb().toBytes(), rgbOf(d), "height " + h);
        }
    }

    @Test
    void bmp24Bit() {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_3BYTE_BGR);
        int[] argb = {0x102030, 0xFF0080, 0x00FF00, 0x0A0B0C, 0xFFFFFF, 0x000000};
        for (int i = 0; i < 6; i++) img.setRGB(i % 3, i / 3, argb[i]);
        DecodedImage d = loader.load(TestImages.write(img, "bmp"), "t.bmp");
        assertEquals(DecodedImage.Mode.RGB, d.mode());
        byte[] rgb = rgbOf(d);
        for (int i = 0; i < 6; i++) {
            assertEquals((argb[i] >> 16) & 0xff, rgb[3 * i] & 0xff);
            assertEquals((argb[i] >> 8) & 0xff, rgb[3 * i + 1] & 0xff);
            assertEquals(argb[i] & 0xff, rgb[3 * i + 2] & 0xff);
        }
    }

    static final int[] WEBP_PIXELS = { // ARGB: every channel takes two values
            0xFF_0A_14_1E, 0xFF_C8_DC_1E, 0x80_0A_DC_F0, 0xFF_C8_14_F0};

    @Test
    void webpLosslessWithAlpha() {
        byte[] webp = TestImages.webpLossless2x2(WEBP_PIXELS, true);
        DecodedImage d = loader.load(webp, "t.webp");
        assertEquals(2, d.width());
        assertEquals(2, d.height());
        assertEquals(DecodedImage.Mode.RGBA, d.mode());
        byte[] px = d.toBytes();
        for (int i = 0; i < 4; i++) {
            int p = WEBP_PIXELS[i];
            assertEquals((p >> 16) & 0xff, px[4 * i] & 0xff, "R of pixel " + i);
            assertEquals((p >> 8) & 0xff, px[4 * i + 1] & 0xff, "G of pixel " + i);
            assertEquals(p & 0xff, px[4 * i + 2] & 0xff, "B of pixel " + i);
            assertEquals(p >>> 24, px[4 * i + 3] & 0xff, "A of pixel " + i);
        }
        byte[] rgb = rgbOf(d);
        assertEquals(AlphaCompositing.overWhite(0x0A, 0x80), rgb[6] & 0xff);
    }

    @Test
    void webpLosslessOpaqueIsRgb() {
        int[] opaque = WEBP_PIXELS.clone();
        opaque[2] |= 0xFF000000;
        DecodedImage d = loader.load(TestImages.webpLossless2x2(opaque, false), "o.webp");
        assertEquals(DecodedImage.Mode.RGB, d.mode());
        byte[] rgb = rgbOf(d);
        for (int i = 0; i < 4; i++) {
            assertEquals((opaque[i] >> 16) & 0xff, rgb[3 * i] & 0xff);
            assertEquals((opaque[i] >> 8) & 0xff, rgb[3 * i + 1] & 0xff);
            assertEquals(opaque[i] & 0xff, rgb[3 * i + 2] & 0xff);
        }
    }

    // ------------------------------------------------------------------ EXIF orientation

    /** 16×8 with four flat 8×4 quadrants: TL red, TR green, BL blue, BR white. */
    static BufferedImage quadrants() {
        BufferedImage img = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                int c = y < 4 ? (x < 8 ? 0xFF0000 : 0x00FF00) : (x < 8 ? 0x0000FF : 0xFFFFFF);
                img.setRGB(x, y, c);
            }
        }
        return img;
    }

    /** Nearest of R, G, B, W for the centre pixel of each quadrant of {@code img}: TL TR BL BR. */
    static String quadrantColours(DecodedImage img) {
        RgbImage rgb = img.toRgb();
        int w = rgb.width(), h = rgb.height();
        StringBuilder sb = new StringBuilder();
        int[][] centres = {{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}};
        for (int[] c : centres) {
            int r = rgb.get(c[0], c[1], 0), g = rgb.get(c[0], c[1], 1), b = rgb.get(c[0], c[1], 2);
            sb.append(r > 128 && g > 128 && b > 128 ? 'W' : r > 128 ? 'R' : g > 128 ? 'G' : b > 128 ? 'B' : '?');
        }
        return sb.toString();
    }

    @Test
    void exifOrientationIsApplied() {
        byte[] jpeg = TestImages.write(quadrants(), "jpeg");
        // Expected quadrants (TL TR BL BR) for orientations 1..8, from the EXIF definitions.
        String[] want = {"RGBW", "GRWB", "WBGR", "BWRG", "RBGW", "BRWG", "WGBR", "GWRB"};
        for (int o = 1; o <= 8; o++) {
            for (boolean le : new boolean[]{false, true}) {
                byte[] tagged = TestImages.withExifOrientation(jpeg, o, le);
                assertEquals(o, ExifOrientation.read(tagged));
                DecodedImage d = loader.load(tagged, "o" + o + ".jpg");
                boolean swap = o >= 5;
                assertEquals(swap ? 8 : 16, d.width(), "orientation " + o);
                assertEquals(swap ? 16 : 8, d.height(), "orientation " + o);
                assertEquals(want[o - 1], quadrantColours(d), "orientation " + o + (le ? " (II)" : " (MM)"));
                // HF parity mode: no transposition.
                DecodedImage raw = loader.withExifOrientation(false).load(tagged, "raw.jpg");
                assertEquals("RGBW", quadrantColours(raw));
            }
        }
        assertEquals(1, ExifOrientation.read(jpeg));
    }

    @Test
    void cmykJpegConvertsLikePillow() throws Exception {
        // A 4-component JPEG (the JDK writes raw CMYK samples, no Adobe marker). Pillow inverts every
        // 4-component JPEG ("CMYK;I") and converts with cmyk2rgb: 255-k' - c'(255-k')/255.
        java.awt.image.WritableRaster r = java.awt.image.Raster.createInterleavedRaster(
                java.awt.image.DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) r.setPixel(x, y, new int[]{40, 120, 200, 30});
        javax.imageio.ImageWriter w = javax.imageio.ImageIO.getImageWritersByFormatName("jpeg").next();
        javax.imageio.ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(1f);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var ios = javax.imageio.ImageIO.createImageOutputStream(out)) {
            w.setOutput(ios);
            w.write(null, new javax.imageio.IIOImage(r, null, null), p);
        }
        DecodedImage d = loader.load(out.toByteArray(), "cmyk.jpg");
        assertEquals(DecodedImage.Mode.CMYK, d.mode());
        // inverted: c=215 m=135 y=55 k=225 → nk=30 → 30-25, 30-16, 30-6
        int[] want = {5, 14, 24};
        RgbImage rgb = d.toRgb();
        for (int c = 0; c < 3; c++) {
            assertTrue(Math.abs(rgb.get(7, 7, c) - want[c]) <= 1, "channel " + c + ": " + rgb.get(7, 7, c));
        }
    }

    // ------------------------------------------------------------------ errors

    @Test
    void corruptPngNamesTheFile(@TempDir Path tmp) throws Exception {
        byte[] data = Files.readAllBytes(DIR.resolve("rgb_gradient_97x61.png"));
        data[data.length / 2] ^= 0x55;
        Path f = tmp.resolve("broken.png");
        Files.write(f, data);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> loader.load(f));
        assertTrue(e.getMessage().contains("broken.png"), e.getMessage());
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void truncatedPng(@TempDir Path tmp) throws Exception {
        byte[] data = Files.readAllBytes(DIR.resolve("large_640x480.png"));
        Path f = tmp.resolve("cut.png");
        Files.write(f, Arrays.copyOf(data, data.length / 2));
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> loader.load(f));
        assertTrue(e.getMessage().contains("cut.png") && e.getMessage().contains("truncated"), e.getMessage());
        // Only the IEND chunk missing is a truncation too.
        ImageDecodeException e2 = assertThrows(ImageDecodeException.class,
                () -> loader.load(Arrays.copyOf(data, data.length - 12), "noend.png"));
        assertTrue(e2.getMessage().contains("truncated"), e2.getMessage());
    }

    @Test
    void truncatedJpeg(@TempDir Path tmp) throws Exception {
        byte[] data = Files.readAllBytes(DIR.resolve("photo_120x80.jpg"));
        Path f = tmp.resolve("cut.jpg");
        Files.write(f, Arrays.copyOf(data, data.length / 2));
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> loader.load(f));
        assertTrue(e.getMessage().contains("cut.jpg") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void corruptJpegHeader() {
        byte[] data = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 3, 1, 2, 3, 4, 5};
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> loader.load(data, "bad.jpg"));
        assertTrue(e.getMessage().startsWith("bad.jpg: "), e.getMessage());
    }

    @Test
    void unsupportedFormats() {
        ImageDecodeException tiff = assertThrows(ImageDecodeException.class,
                () -> loader.load(new byte[]{'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0}, "scan.tif"));
        assertTrue(tiff.getMessage().contains("scan.tif") && tiff.getMessage().contains("TIFF")
                && tiff.getMessage().contains("unsupported"), tiff.getMessage());
        ImageDecodeException text = assertThrows(ImageDecodeException.class,
                () -> loader.load("hello world".getBytes(), "notes.txt"));
        assertTrue(text.getMessage().contains("notes.txt: unsupported image format"), text.getMessage());
        ImageDecodeException empty = assertThrows(ImageDecodeException.class, () -> loader.load(new byte[0], "e.png"));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        ImageDecodeException missing = assertThrows(ImageDecodeException.class,
                () -> loader.load(Path.of("does/not/exist.png")));
        assertTrue(missing.getMessage().contains("exist.png"), missing.getMessage());
        // 16-bit palette does not exist in PNG.
        java.io.ByteArrayOutputStream p16 = new java.io.ByteArrayOutputStream();
        p16.writeBytes(PngDecoder.SIGNATURE);
        TestImages.chunk(p16, "IHDR", TestImages.ihdr(1, 1, 16, 3, 0));
        ImageDecodeException e16 = assertThrows(ImageDecodeException.class, () -> loader.load(p16.toByteArray(), "p16.png"));
        assertTrue(e16.getMessage().contains("p16.png: unsupported PNG"), e16.getMessage());
    }

    @Test
    void pixelLimitIsCheckedFromTheHeader() throws Exception {
        // A PNG header announcing 100000 × 100000 pixels and no data: must fail on the limit,
        // not by trying to decode (or allocate) anything.
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(PngDecoder.SIGNATURE);
        TestImages.chunk(out, "IHDR", TestImages.ihdr(100_000, 100_000, 8, 2, 0));
        ImageDecodeException.TooManyPixels e = assertThrows(ImageDecodeException.TooManyPixels.class,
                () -> loader.load(out.toByteArray(), "bomb.png"));
        assertTrue(e.getMessage().contains("bomb.png") && e.getMessage().contains("10000000000"), e.getMessage());
        assertEquals(ImageLoader.DEFAULT_MAX_PIXELS, e.limit());

        ImageLoader small = loader.withMaxPixels(640 * 480 - 1);
        assertThrows(ImageDecodeException.TooManyPixels.class, () -> small.load(DIR.resolve("large_640x480.png")));
        loader.withMaxPixels(640 * 480).load(DIR.resolve("large_640x480.png"));
        ImageLoader tiny = loader.withMaxPixels(120 * 80 - 1);
        assertThrows(ImageDecodeException.TooManyPixels.class, () -> tiny.load(DIR.resolve("photo_120x80.jpg")));
        byte[] gif = TestImages.write(quadrants(), "gif");
        assertThrows(ImageDecodeException.TooManyPixels.class, () -> loader.withMaxPixels(127).load(gif, "q.gif"));
        byte[] webp = TestImages.webpLossless2x2(WEBP_PIXELS, true);
        assertThrows(ImageDecodeException.TooManyPixels.class, () -> loader.withMaxPixels(3).load(webp, "q.webp"));
    }

    // ------------------------------------------------------------------ AWT inputs

    @Test
    void bufferedImageInputs() {
        BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 77);
        grey.getRaster().setSample(1, 0, 0, 200);
        DecodedImage g = DecodedImage.fromBufferedImage(grey);
        assertEquals(DecodedImage.Mode.L, g.mode());
        // raw samples, not AWT's linear-grey → sRGB conversion
        assertArrayEquals(new byte[]{77, 77, 77, (byte) 200, (byte) 200, (byte) 200}, rgbOf(g));

        BufferedImage argb = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x40_10_80_F0);
        DecodedImage a = DecodedImage.fromBufferedImage(argb);
        assertEquals(DecodedImage.Mode.RGBA, a.mode());
        assertArrayEquals(new byte[]{(byte) AlphaCompositing.overWhite(0x10, 0x40),
                (byte) AlphaCompositing.overWhite(0x80, 0x40), (byte) AlphaCompositing.overWhite(0xF0, 0x40)}, rgbOf(a));
    }
}
