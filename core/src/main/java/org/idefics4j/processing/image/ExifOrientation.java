package org.idefics4j.processing.image;

/**
 * EXIF orientation (tag 0x0112 of IFD0 in a JPEG's APP1 "Exif" segment) and the matching
 * transposition, equivalent to Pillow's {@code ImageOps.exif_transpose}. Parsed by hand so a
 * malformed EXIF block can never make an otherwise fine JPEG fail: anything odd reads as 1 (normal).
 */
public final class ExifOrientation {
    private ExifOrientation() {
    }

    /** The orientation (1..8) stored in a JPEG's EXIF data, or 1 when absent or malformed. */
    public static int read(byte[] jpeg) {
        if (jpeg.length < 4 || (jpeg[0] & 0xff) != 0xFF || (jpeg[1] & 0xff) != 0xD8) return 1;
        int p = 2;
        while (p + 4 <= jpeg.length) {
            if ((jpeg[p] & 0xff) != 0xFF) return 1;
            int marker = jpeg[p + 1] & 0xff;
            if (marker == 0xFF) { // fill byte
                p++;
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { // no length
                p += 2;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) return 1; // start of scan / end: no EXIF before it
            int len = (jpeg[p + 2] & 0xff) << 8 | (jpeg[p + 3] & 0xff);
            if (len < 2 || p + 2 + len > jpeg.length) return 1;
            if (marker == 0xE1 && len >= 8 && jpeg[p + 4] == 'E' && jpeg[p + 5] == 'x' && jpeg[p + 6] == 'i'
                    && jpeg[p + 7] == 'f' && jpeg[p + 8] == 0 && jpeg[p + 9] == 0) {
                int o = fromTiff(jpeg, p + 10, p + 2 + len);
                if (o != 0) return o;
            }
            p += 2 + len;
        }
        return 1;
    }

    /** Orientation from a TIFF structure in {@code d[start, end)}; 0 if not found. */
    static int fromTiff(byte[] d, int start, int end) {
        if (end - start < 8) return 0;
        boolean le;
        if (d[start] == 'I' && d[start + 1] == 'I') le = true;
        else if (d[start] == 'M' && d[start + 1] == 'M') le = false;
        else return 0;
        if (u16(d, start + 2, le) != 42) return 0;
        long ifd = u32(d, start + 4, le);
        if (ifd < 8 || start + ifd + 2 > end) return 0;
        int q = (int) (start + ifd);
        int count = u16(d, q, le);
        q += 2;
        for (int i = 0; i < count; i++, q += 12) {
            if (q + 12 > end) return 0;
            if (u16(d, q, le) == 0x0112) {
                int type = u16(d, q + 2, le);
                int v = type == 3 ? u16(d, q + 8, le) : type == 4 ? (int) u32(d, q + 8, le) : 0;
                return v >= 1 && v <= 8 ? v : 0;
            }
        }
        return 0;
    }

    private static int u16(byte[] d, int p, boolean le) {
        int a = d[p] & 0xff, b = d[p + 1] & 0xff;
        return le ? a | b << 8 : a << 8 | b;
    }

    private static long u32(byte[] d, int p, boolean le) {
        long a = d[p] & 0xff, b = d[p + 1] & 0xff, c = d[p + 2] & 0xff, e = d[p + 3] & 0xff;
        return le ? a | b << 8 | c << 16 | e << 24 : a << 24 | b << 16 | c << 8 | e;
    }

    /**
     * Applies an orientation so the image displays upright: 2 mirror, 3 rotate 180°, 4 flip,
     * 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
     */
    public static DecodedImage apply(DecodedImage img, int orientation) {
        if (orientation <= 1 || orientation > 8) return img;
        int w = img.width(), h = img.height(), ch = img.channels();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        byte[] src = img.bytes();
        byte[] out = new byte[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx, sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; } // 8
                }
                System.arraycopy(src, (sy * w + sx) * ch, out, (y * ow + x) * ch, ch);
            }
        }
        return img.withPixels(ow, oh, out);
    }
}
