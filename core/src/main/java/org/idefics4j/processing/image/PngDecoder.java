package org.idefics4j.processing.image;

import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A small PNG decoder that yields what Pillow 9.x yields. Written instead of using ImageIO because
 * the JDK reader hides the distinctions the processor depends on (it folds tRNS into an alpha band
 * for grey/RGB images, so an RGB+tRNS PNG — which Pillow keeps as mode RGB — would look like RGBA)
 * and because the pixel limit must be checked from IHDR before anything is inflated.
 *
 * <p>Pillow semantics reproduced (PngImagePlugin + Convert.c):
 * <ul>
 * <li>RGB (8/16 bit) → mode RGB; 16-bit samples keep their most significant byte; tRNS ignored
 *     (the processor keeps RGB images as they are).</li>
 * <li>RGBA, 8-bit grey+alpha (LA) → alpha kept; 16-bit grey+alpha opens as RGBA (MSBs).</li>
 * <li>Grey 1 bit → mode "1" (0/255); 2 and 4 bits → L scaled by 0x55 / 0x11; 8 bits → L;
 *     16 bits → mode I, and I → RGBA <em>clips</em> to 0..255 (it does not scale).
 *     A grey tRNS value makes pixels whose converted 8-bit value equals it transparent.</li>
 * <li>Palette → palette colours, tRNS gives per-entry alpha (missing entries opaque).</li>
 * </ul>
 * Ancillary chunks (gAMA, iCCP, sRGB, ...) are ignored, as Pillow ignores them when decoding.
 */
final class PngDecoder {
    static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PngDecoder() {
    }

    static boolean matches(byte[] d) {
        if (d.length < 8) return false;
        for (int i = 0; i < 8; i++) if (d[i] != SIGNATURE[i]) return false;
        return true;
    }

    private static int be32(byte[] d, int p) {
        return (d[p] & 0xff) << 24 | (d[p + 1] & 0xff) << 16 | (d[p + 2] & 0xff) << 8 | (d[p + 3] & 0xff);
    }

    /** Width and height from IHDR (no decoding). */
    static int[] size(byte[] d, String src) {
        if (d.length < 8 + 8 + 13 || !"IHDR".equals(new String(d, 12, 4, java.nio.charset.StandardCharsets.ISO_8859_1))) {
            throw new ImageDecodeException(src + ": corrupt PNG (missing IHDR chunk)");
        }
        return new int[]{be32(d, 16), be32(d, 20)};
    }

    static DecodedImage decode(byte[] d, String src, long maxPixels) {
        int p = 8;
        int width = -1, height = -1, bitDepth = 0, colorType = -1, interlace = 0;
        byte[] palette = null;
        byte[] trns = null;
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        boolean sawIend = false;
        CRC32 crc = new CRC32();
        while (p < d.length) {
            if (p + 12 > d.length) throw truncated(src);
            int len = be32(d, p);
            String type = new String(d, p + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (len < 0 || (long) p + 12 + len > d.length) throw truncated(src);
            crc.reset();
            crc.update(d, p + 4, 4 + len);
            if ((int) crc.getValue() != be32(d, p + 8 + len)) {
                throw new ImageDecodeException(src + ": corrupt PNG (bad CRC in " + printable(type) + " chunk)");
            }
            int body = p + 8;
            if (width < 0 && !type.equals("IHDR")) {
                throw new ImageDecodeException(src + ": corrupt PNG (first chunk is not IHDR)");
            }
            switch (type) {
                case "IHDR" -> {
                    if (len != 13) throw new ImageDecodeException(src + ": corrupt PNG (bad IHDR length)");
                    width = be32(d, body);
                    height = be32(d, body + 4);
                    bitDepth = d[body + 8] & 0xff;
                    colorType = d[body + 9] & 0xff;
                    interlace = d[body + 12] & 0xff;
                    if (width <= 0 || height <= 0) {
                        throw new ImageDecodeException(src + ": corrupt PNG (size " + Integer.toUnsignedString(width)
                                + "x" + Integer.toUnsignedString(height) + ")");
                    }
                    if (!validDepth(colorType, bitDepth) || d[body + 10] != 0 || d[body + 11] != 0 || interlace > 1) {
                        throw new ImageDecodeException(src + ": unsupported PNG (colour type " + colorType
                                + ", bit depth " + bitDepth + ", interlace " + interlace + ")");
                    }
                    // Decompression-bomb guard before any pixel data is touched.
                    if ((long) width * height > maxPixels) {
                        throw new ImageDecodeException.TooManyPixels(src, width, height, maxPixels);
                    }
                }
                case "PLTE" -> {
                    if (len % 3 != 0 || len == 0 || len > 768) {
                        throw new ImageDecodeException(src + ": corrupt PNG (bad PLTE length " + len + ")");
                    }
                    palette = java.util.Arrays.copyOfRange(d, body, body + len);
                }
                case "tRNS" -> trns = java.util.Arrays.copyOfRange(d, body, body + len);
                case "IDAT" -> idat.write(d, body, len);
                case "IEND" -> sawIend = true;
                default -> {
                    if ((d[p + 4] & 0x20) == 0) { // critical chunk we do not know
                        throw new ImageDecodeException(src + ": unsupported PNG (unknown critical chunk "
                                + printable(type) + ")");
                    }
                }
            }
            p = body + len + 4;
            if (sawIend) break;
        }
        if (width < 0) throw truncated(src);
        if (colorType == 3 && palette == null) {
            throw new ImageDecodeException(src + ": corrupt PNG (palette image without PLTE)");
        }
        int spp = switch (colorType) {
            case 0 -> 1;
            case 2 -> 3;
            case 3 -> 1;
            case 4 -> 2;
            default -> 4;
        };
        byte[] raw = inflate(idat.toByteArray(), rawSize(width, height, spp, bitDepth, interlace), src);
        int[] samples = unfilterAll(raw, width, height, spp, bitDepth, interlace, src);
        if (!sawIend) throw truncated(src); // Pillow fails on a missing IEND as well
        return toPillow(samples, width, height, colorType, bitDepth, palette, trns);
    }

    private static String printable(String type) {
        return type.replaceAll("[^A-Za-z]", "?");
    }

    private static ImageDecodeException truncated(String src) {
        return new ImageDecodeException(src + ": truncated PNG (image data ends early)");
    }

    private static boolean validDepth(int colorType, int bd) {
        return switch (colorType) {
            case 0 -> bd == 1 || bd == 2 || bd == 4 || bd == 8 || bd == 16;
            case 3 -> bd == 1 || bd == 2 || bd == 4 || bd == 8;
            case 2, 4, 6 -> bd == 8 || bd == 16;
            default -> false;
        };
    }

    private static final int[][] ADAM7 = { // x0, y0, dx, dy
            {0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};

    private static long rowBytes(long w, int spp, int bd) {
        return (w * spp * bd + 7) / 8;
    }

    private static long rawSize(int w, int h, int spp, int bd, int interlace) {
        if (interlace == 0) return h * (1 + rowBytes(w, spp, bd));
        long total = 0;
        for (int[] pass : ADAM7) {
            long pw = (w - pass[0] + pass[2] - 1) / pass[2];
            long ph = (h - pass[1] + pass[3] - 1) / pass[3];
            if (pw > 0 && ph > 0) total += ph * (1 + rowBytes(pw, spp, bd));
        }
        return total;
    }

    private static byte[] inflate(byte[] zdata, long size, String src) {
        if (size > Integer.MAX_VALUE - 16) {
            throw new ImageDecodeException(src + ": PNG too large to decode in memory");
        }
        byte[] out = new byte[(int) size];
        Inflater inf = new Inflater();
        try {
            inf.setInput(zdata);
            int n = 0;
            while (n < out.length) {
                int r = inf.inflate(out, n, out.length - n);
                n += r;
                if (r == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) break;
            }
            if (n < out.length) throw truncated(src);
            return out;
        } catch (DataFormatException e) {
            throw new ImageDecodeException(src + ": corrupt PNG (bad compressed data: " + e.getMessage() + ")", e);
        } finally {
            inf.end();
        }
    }

    /** Unfilters (and de-interlaces) into one raw sample per array element, row-major. */
    private static int[] unfilterAll(byte[] raw, int w, int h, int spp, int bd, int interlace, String src) {
        int[] samples = new int[Math.multiplyExact(Math.multiplyExact(w, h), spp)];
        if (interlace == 0) {
            unfilterPass(raw, 0, w, h, spp, bd, samples, w, 0, 0, 1, 1, src);
        } else {
            int off = 0;
            for (int[] pass : ADAM7) {
                int pw = (w - pass[0] + pass[2] - 1) / pass[2];
                int ph = (h - pass[1] + pass[3] - 1) / pass[3];
                if (pw <= 0 || ph <= 0) continue;
                off = unfilterPass(raw, off, pw, ph, spp, bd, samples, w, pass[0], pass[1], pass[2], pass[3], src);
            }
        }
        return samples;
    }

    private static int unfilterPass(byte[] raw, int off, int pw, int ph, int spp, int bd, int[] samples,
                                    int fullW, int x0, int y0, int dx, int dy, String src) {
        int rb = (int) rowBytes(pw, spp, bd);
        int bpp = Math.max(1, spp * bd / 8);
        byte[] prev = new byte[rb];
        byte[] cur = new byte[rb];
        for (int y = 0; y < ph; y++) {
            int filter = raw[off] & 0xff;
            System.arraycopy(raw, off + 1, cur, 0, rb);
            off += 1 + rb;
            switch (filter) {
                case 0 -> {
                }
                case 1 -> {
                    for (int i = bpp; i < rb; i++) cur[i] += cur[i - bpp];
                }
                case 2 -> {
                    for (int i = 0; i < rb; i++) cur[i] += prev[i];
                }
                case 3 -> {
                    for (int i = 0; i < rb; i++) {
                        int left = i >= bpp ? cur[i - bpp] & 0xff : 0;
                        cur[i] += (byte) ((left + (prev[i] & 0xff)) >>> 1);
                    }
                }
                case 4 -> {
                    for (int i = 0; i < rb; i++) {
                        int a = i >= bpp ? cur[i - bpp] & 0xff : 0;
                        int b = prev[i] & 0xff;
                        int c = i >= bpp ? prev[i - bpp] & 0xff : 0;
                        int pp = a + b - c;
                        int pa = Math.abs(pp - a), pb = Math.abs(pp - b), pc = Math.abs(pp - c);
                        int pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
                        cur[i] += (byte) pred;
                    }
                }
                default -> throw new ImageDecodeException(src + ": corrupt PNG (bad filter type " + filter + ")");
            }
            int outY = y0 + y * dy;
            int n = pw * spp;
            for (int s = 0; s < n; s++) {
                int v;
                if (bd == 8) {
                    v = cur[s] & 0xff;
                } else if (bd == 16) {
                    v = (cur[2 * s] & 0xff) << 8 | (cur[2 * s + 1] & 0xff);
                } else {
                    int bit = s * bd;
                    v = ((cur[bit >> 3] & 0xff) >> (8 - bd - (bit & 7))) & ((1 << bd) - 1);
                }
                int px = s / spp;
                int outX = x0 + px * dx;
                samples[(outY * fullW + outX) * spp + s % spp] = v;
            }
            byte[] t = prev;
            prev = cur;
            cur = t;
        }
        return off;
    }

    private static DecodedImage toPillow(int[] s, int w, int h, int colorType, int bd, byte[] palette, byte[] trns) {
        int n = w * h;
        switch (colorType) {
            case 2 -> { // RGB; Pillow's "RGB;16B" unpacker keeps the high byte
                byte[] out = new byte[n * 3];
                int sh = bd == 16 ? 8 : 0;
                for (int i = 0; i < n * 3; i++) out[i] = (byte) (s[i] >> sh);
                return DecodedImage.wrap(DecodedImage.Mode.RGB, w, h, out);
            }
            case 6 -> {
                byte[] out = new byte[n * 4];
                int sh = bd == 16 ? 8 : 0;
                for (int i = 0; i < n * 4; i++) out[i] = (byte) (s[i] >> sh);
                return DecodedImage.wrap(DecodedImage.Mode.RGBA, w, h, out);
            }
            case 4 -> {
                byte[] out = new byte[n * 4];
                int sh = bd == 16 ? 8 : 0;
                for (int i = 0; i < n; i++) {
                    byte l = (byte) (s[2 * i] >> sh);
                    out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = l;
                    out[4 * i + 3] = (byte) (s[2 * i + 1] >> sh);
                }
                return DecodedImage.wrap(bd == 16 ? DecodedImage.Mode.RGBA : DecodedImage.Mode.LA, w, h, out);
            }
            case 0 -> {
                DecodedImage.Mode mode = switch (bd) {
                    case 1 -> DecodedImage.Mode.ONE;
                    case 16 -> DecodedImage.Mode.I;
                    default -> DecodedImage.Mode.L;
                };
                // Pillow keeps the raw tRNS value and compares it with the converted pixel value.
                int t = trns != null && trns.length >= 2 ? (trns[0] & 0xff) << 8 | (trns[1] & 0xff) : -1;
                byte[] out = new byte[n * 4];
                for (int i = 0; i < n; i++) {
                    int v = s[i];
                    int l = switch (bd) {
                        case 1 -> v != 0 ? 255 : 0;
                        case 2 -> v * 0x55;
                        case 4 -> v * 0x11;
                        case 8 -> v;
                        default -> Math.min(v, 255); // mode I → RGBA clips, it does not rescale
                    };
                    out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = (byte) l;
                    out[4 * i + 3] = (byte) (l == t ? 0 : 255);
                }
                return DecodedImage.wrap(mode, w, h, out);
            }
            default -> { // 3: palette
                int entries = palette.length / 3;
                byte[] out = new byte[n * 4];
                for (int i = 0; i < n; i++) {
                    int idx = s[i];
                    int o = 4 * i;
                    if (idx < entries) {
                        out[o] = palette[3 * idx];
                        out[o + 1] = palette[3 * idx + 1];
                        out[o + 2] = palette[3 * idx + 2];
                    } else {
                        // Pillow's palette starts as a grey ramp; PLTE overwrites only its entries.
                        out[o] = out[o + 1] = out[o + 2] = (byte) idx;
                    }
                    out[o + 3] = trns != null && idx < trns.length ? trns[idx] : (byte) 255;
                }
                return DecodedImage.wrap(DecodedImage.Mode.P, w, h, out);
            }
        }
    }
}
