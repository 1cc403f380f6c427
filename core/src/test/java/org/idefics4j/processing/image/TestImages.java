package org.idefics4j.processing.image;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Builds small image files byte by byte for the decoder tests (reproducible, no external tools). */
final class TestImages {
    private TestImages() {
    }

    // ------------------------------------------------------------------ PNG

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        be32(out, data.length);
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        be32(out, (int) crc.getValue());
    }

    static void be32(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    static byte[] ihdr(int w, int h, int bitDepth, int colorType, int interlace) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        be32(b, w);
        be32(b, h);
        b.write(bitDepth);
        b.write(colorType);
        b.write(0);
        b.write(0);
        b.write(interlace);
        return b.toByteArray();
    }

    /**
     * A PNG from raw samples (one int per sample, row-major, {@code spp} samples per pixel).
     * Rows use filter types 0..4 in turn so every unfilter path is exercised; interlace 1 writes
     * Adam7 passes.
     */
    static byte[] png(int w, int h, int bitDepth, int colorType, int[] samples, byte[] plte, byte[] trns,
                      boolean interlace) {
        int spp = switch (colorType) {
            case 0, 3 -> 1;
            case 2 -> 3;
            case 4 -> 2;
            default -> 4;
        };
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        int[][] passes = interlace
                ? new int[][]{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}
                : new int[][]{{0, 0, 1, 1}};
        int rowIndex = 0;
        for (int[] p : passes) {
            int pw = (w - p[0] + p[2] - 1) / p[2];
            int ph = (h - p[1] + p[3] - 1) / p[3];
            if (pw <= 0 || ph <= 0) continue;
            int rb = (pw * spp * bitDepth + 7) / 8;
            int bpp = Math.max(1, spp * bitDepth / 8);
            byte[] prev = new byte[rb];
            for (int y = 0; y < ph; y++) {
                byte[] row = new byte[rb];
                int sy = p[1] + y * p[3];
                for (int x = 0; x < pw; x++) {
                    int sx = p[0] + x * p[2];
                    for (int s = 0; s < spp; s++) {
                        int v = samples[(sy * w + sx) * spp + s];
                        int idx = x * spp + s;
                        if (bitDepth == 16) {
                            row[2 * idx] = (byte) (v >> 8);
                            row[2 * idx + 1] = (byte) v;
                        } else if (bitDepth == 8) {
                            row[idx] = (byte) v;
                        } else {
                            int bit = idx * bitDepth;
                            row[bit >> 3] |= (byte) (v << (8 - bitDepth - (bit & 7)));
                        }
                    }
                }
                int filter = rowIndex++ % 5;
                raw.write(filter);
                for (int i = 0; i < rb; i++) {
                    int a = i >= bpp ? row[i - bpp] & 0xff : 0;
                    int b = prev[i] & 0xff;
                    int c = i >= bpp ? prev[i - bpp] & 0xff : 0;
                    int pred = switch (filter) {
                        case 0 -> 0;
                        case 1 -> a;
                        case 2 -> b;
                        case 3 -> (a + b) >>> 1;
                        default -> {
                            int pp = a + b - c;
                            int pa = Math.abs(pp - a), pb = Math.abs(pp - b), pc = Math.abs(pp - c);
                            yield (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
                        }
                    };
                    raw.write((row[i] - pred) & 0xff);
                }
                prev = row;
            }
        }
        Deflater def = new Deflater();
        def.setInput(raw.toByteArray());
        def.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!def.finished()) z.write(buf, 0, def.deflate(buf));
        def.end();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PngDecoder.SIGNATURE);
        chunk(out, "IHDR", ihdr(w, h, bitDepth, colorType, interlace ? 1 : 0));
        if (plte != null) chunk(out, "PLTE", plte);
        if (trns != null) chunk(out, "tRNS", trns);
        chunk(out, "IDAT", z.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ JPEG / GIF / BMP via the JDK writers

    static byte[] write(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, out)) throw new IllegalStateException("no writer for " + format);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Inserts an APP1 Exif segment holding only IFD0 → Orientation (SHORT) after the JPEG's APP0. */
    static byte[] withExifOrientation(byte[] jpeg, int orientation, boolean littleEndian) {
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        if (littleEndian) {
            tiff.writeBytes(new byte[]{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0,
                    (byte) orientation, 0, 0, 0, 0, 0, 0, 0});
        } else {
            tiff.writeBytes(new byte[]{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
                    0, (byte) orientation, 0, 0, 0, 0, 0, 0});
        }
        byte[] t = tiff.toByteArray();
        ByteArrayOutputStream seg = new ByteArrayOutputStream();
        int len = 2 + 6 + t.length;
        seg.writeBytes(new byte[]{(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len, 'E', 'x', 'i', 'f', 0, 0});
        seg.writeBytes(t);
        // after SOI and the APP0 (JFIF) segment the JDK writer puts first
        int p = 2;
        if ((jpeg[2] & 0xff) == 0xFF && (jpeg[3] & 0xff) == 0xE0) p = 4 + ((jpeg[4] & 0xff) << 8 | (jpeg[5] & 0xff));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, p);
        out.writeBytes(seg.toByteArray());
        out.write(jpeg, p, jpeg.length - p);
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ WebP (lossless, hand-assembled)

    /** Little-endian bit writer, the order VP8L reads bits in. */
    static final class Bits {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        long acc;
        int n;

        void put(int value, int bits) {
            for (int i = 0; i < bits; i++) {
                acc |= (long) ((value >> i) & 1) << n;
                if (++n == 8) {
                    out.write((int) acc);
                    acc = 0;
                    n = 0;
                }
            }
        }

        byte[] bytes() {
            if (n > 0) out.write((int) acc);
            return out.toByteArray();
        }
    }

    /**
     * A 2×2 lossless WebP (VP8L, no transforms, no colour cache) whose pixels are
     * {@code argb[i]}; each channel may take at most two distinct values, each coded with a
     * "simple" one-bit prefix code (smaller value = code 0, as canonical codes order them).
     */
    static byte[] webpLossless2x2(int[] argb, boolean alphaUsed) {
        Bits b = new Bits();
        b.put(0x2f, 8);          // VP8L signature
        b.put(2 - 1, 14);        // width - 1
        b.put(2 - 1, 14);        // height - 1
        b.put(alphaUsed ? 1 : 0, 1);
        b.put(0, 3);             // version
        b.put(0, 1);             // no transform
        b.put(0, 1);             // no colour cache
        b.put(0, 1);             // no meta prefix codes
        int[] shifts = {8, 16, 0, 24}; // green, red, blue, alpha: the prefix-code order
        int[][] symbols = new int[4][];
        for (int k = 0; k < 4; k++) {
            java.util.TreeSet<Integer> vals = new java.util.TreeSet<>();
            for (int p : argb) vals.add((p >>> shifts[k]) & 0xff);
            symbols[k] = vals.stream().mapToInt(Integer::intValue).toArray();
            if (symbols[k].length > 2) throw new IllegalArgumentException("at most two values per channel");
            b.put(1, 1);                              // simple code
            b.put(symbols[k].length - 1, 1);          // number of symbols - 1
            b.put(1, 1);                              // first symbol uses 8 bits
            b.put(symbols[k][0], 8);
            if (symbols[k].length == 2) b.put(symbols[k][1], 8);
        }
        b.put(1, 1);  // distance code: simple,
        b.put(0, 1);  // one symbol,
        b.put(0, 1);  // 1-bit symbol
        b.put(0, 1);  // = 0
        for (int p : argb) {
            for (int k = 0; k < 4; k++) {
                if (symbols[k].length == 2) b.put(((p >>> shifts[k]) & 0xff) == symbols[k][0] ? 0 : 1, 1);
            }
        }
        byte[] vp8l = b.bytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int chunkLen = vp8l.length;
        int pad = chunkLen & 1;
        out.writeBytes("RIFF".getBytes(StandardCharsets.ISO_8859_1));
        le32(out, 4 + 8 + chunkLen + pad);
        out.writeBytes("WEBPVP8L".getBytes(StandardCharsets.ISO_8859_1));
        le32(out, chunkLen);
        out.writeBytes(vp8l);
        if (pad == 1) out.write(0);
        return out.toByteArray();
    }

    static void le32(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }
}
