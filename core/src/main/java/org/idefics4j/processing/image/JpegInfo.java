package org.idefics4j.processing.image;

import java.awt.image.Raster;

/** JPEG header facts the JDK reader does not expose conveniently, and Pillow's CMYK handling. */
final class JpegInfo {
    private JpegInfo() {
    }

    /** Walks the marker segments up to SOS; calls {@code visit(marker, segmentStart, length)}. */
    private interface Visitor {
        boolean visit(int marker, int p, int len); // return false to stop
    }

    private static void walk(byte[] d, Visitor v) {
        int p = 2;
        while (p + 4 <= d.length) {
            if ((d[p] & 0xff) != 0xFF) return;
            int marker = d[p + 1] & 0xff;
            if (marker == 0xFF) {
                p++;
                continue;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
                p += 2;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) return;
            int len = (d[p + 2] & 0xff) << 8 | (d[p + 3] & 0xff);
            if (len < 2 || p + 2 + len > d.length) return;
            if (!v.visit(marker, p, len)) return;
            p += 2 + len;
        }
    }

    /** Number of colour components from the SOF segment; 0 if none was found. */
    static int components(byte[] d) {
        int[] n = {0};
        walk(d, (marker, p, len) -> {
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof && len >= 8) {
                n[0] = d[p + 9] & 0xff;
                return false;
            }
            return true;
        });
        return n[0];
    }

    /** The Adobe APP14 transform flag (0 none, 1 YCbCr, 2 YCCK), or -1 without an Adobe segment. */
    static int adobeTransform(byte[] d) {
        int[] t = {-1};
        walk(d, (marker, p, len) -> {
            if (marker == 0xEE && len >= 12 && d[p + 4] == 'A' && d[p + 5] == 'd' && d[p + 6] == 'o'
                    && d[p + 7] == 'b' && d[p + 8] == 'e') {
                t[0] = d[p + 15] & 0xff;
                return false;
            }
            return true;
        });
        return t[0];
    }

    /** libjpeg's YCbCr → RGB fixed-point step for one channel pair (jdcolor.c tables). */
    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);

    private static int fix(double x) {
        return (int) (x * (1L << SCALEBITS) + 0.5);
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * A 4-component JPEG as Pillow opens it (mode CMYK; YCCK is first turned into CMYK the way
     * libjpeg does; Pillow then inverts all four channels unconditionally, assuming Adobe's
     * inverted storage), converted with Pillow's {@code cmyk2rgb}:
     * {@code channel = 255 − k − round(c·(255 − k)/255)}, alpha 255.
     */
    static DecodedImage cmykToImage(Raster raster, int adobeTransform) {
        int w = raster.getWidth(), h = raster.getHeight();
        int[] px = raster.getPixels(0, 0, w, h, (int[]) null);
        byte[] out = new byte[w * h * 4];
        for (int i = 0; i < w * h; i++) {
            int c0 = px[4 * i], c1 = px[4 * i + 1], c2 = px[4 * i + 2], k = px[4 * i + 3];
            if (adobeTransform == 2) { // YCCK → CMYK (libjpeg ycck_cmyk_convert)
                int y = c0, cb = c1 - 128, cr = c2 - 128;
                int r = y + ((fix(1.40200) * cr + ONE_HALF) >> SCALEBITS);
                int g = y + ((-fix(0.34414) * cb - fix(0.71414) * cr + ONE_HALF) >> SCALEBITS);
                int b = y + ((fix(1.77200) * cb + ONE_HALF) >> SCALEBITS);
                c0 = clamp(255 - r);
                c1 = clamp(255 - g);
                c2 = clamp(255 - b);
            }
            { // Pillow reads every 4-component JPEG with rawmode "CMYK;I" (Adobe convention), marker or not
                c0 = 255 - c0;
                c1 = 255 - c1;
                c2 = 255 - c2;
                k = 255 - k;
            }
            int nk = 255 - k;
            out[4 * i] = (byte) clamp(nk - mulDiv255(c0, nk));
            out[4 * i + 1] = (byte) clamp(nk - mulDiv255(c1, nk));
            out[4 * i + 2] = (byte) clamp(nk - mulDiv255(c2, nk));
            out[4 * i + 3] = (byte) 255;
        }
        return DecodedImage.wrap(DecodedImage.Mode.CMYK, w, h, out);
    }

    /** Pillow's MULDIV255: a·b/255 rounded, with shifts. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }
}
