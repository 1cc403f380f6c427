package org.idefics4j.processing.image;

/**
 * GIF container facts for the first frame, and the fixes the JDK reader needs to give Pillow's
 * result:
 * <ul>
 * <li>The JDK's GIFImageReader mis-orders the rows of <em>interlaced</em> frames 2–4 rows high
 *     (its pass bookkeeping trips over the empty passes). We clear the interlace flag in a copy
 *     of the data, let the JDK decode rows in stream order, and de-interlace them here.</li>
 * <li>Pillow's image is the logical screen; the first frame is placed at its offset on a canvas of
 *     the transparent index (or index 0 without transparency).</li>
 * </ul>
 */
final class GifFrame {
    final int screenW, screenH;
    final int left, top, width, height;
    final boolean interlaced;
    final int descriptorOffset; // offset of the 0x2C byte

    private GifFrame(int screenW, int screenH, int left, int top, int width, int height, boolean interlaced, int off) {
        this.screenW = screenW;
        this.screenH = screenH;
        this.left = left;
        this.top = top;
        this.width = width;
        this.height = height;
        this.interlaced = interlaced;
        this.descriptorOffset = off;
    }

    private static int le16(byte[] d, int p) {
        return (d[p] & 0xff) | (d[p + 1] & 0xff) << 8;
    }

    /** Parses up to the first image descriptor; null when the structure is broken. */
    static GifFrame parse(byte[] d) {
        if (d.length < 13) return null;
        int sw = le16(d, 6), sh = le16(d, 8);
        int flags = d[10] & 0xff;
        int p = 13;
        if ((flags & 0x80) != 0) p += 3 * (1 << ((flags & 7) + 1));
        while (p < d.length) {
            int b = d[p] & 0xff;
            if (b == 0x2C) {
                if (p + 10 > d.length) return null;
                int f = d[p + 9] & 0xff;
                return new GifFrame(sw, sh, le16(d, p + 1), le16(d, p + 3), le16(d, p + 5), le16(d, p + 7),
                        (f & 0x40) != 0, p);
            } else if (b == 0x21) { // extension: label, then sub-blocks
                p += 2;
                while (p < d.length && d[p] != 0) p += (d[p] & 0xff) + 1;
                p++;
            } else {
                return null; // trailer or garbage before any image
            }
        }
        return null;
    }

    /** A copy of the file with the first frame's interlace flag cleared. */
    byte[] withoutInterlaceFlag(byte[] d) {
        byte[] c = d.clone();
        c[descriptorOffset + 9] &= (byte) ~0x40;
        return c;
    }

    /** Destination row of each stream row of an interlaced frame (GIF89a passes 8/8, 8/4, 4/2, 2/1). */
    static int[] interlaceOrder(int h) {
        int[] order = new int[h];
        int i = 0;
        int[][] passes = {{0, 8}, {4, 8}, {2, 4}, {1, 2}};
        for (int[] pass : passes) {
            for (int y = pass[0]; y < h; y += pass[1]) order[i++] = y;
        }
        return order;
    }

    /**
     * Places the decoded frame (RGBA, stream row order if it was interlaced) on Pillow's canvas:
     * logical screen size, filled with the colour of {@code fillRgba}.
     */
    DecodedImage toCanvas(DecodedImage frame, int[] fillRgba) {
        int fw = frame.width(), fh = frame.height();
        int[] rowOf = interlaced ? interlaceOrder(fh) : null;
        int cw = Math.max(screenW, 1), ch = Math.max(screenH, 1);
        boolean sameCanvas = left == 0 && top == 0 && fw == cw && fh == ch;
        if (!sameCanvas && (screenW == 0 || screenH == 0)) {
            cw = left + fw;
            ch = top + fh;
        }
        byte[] src = frame.bytes();
        byte[] out = new byte[cw * ch * 4];
        if (!sameCanvas) {
            for (int i = 0; i < cw * ch; i++) {
                for (int c = 0; c < 4; c++) out[i * 4 + c] = (byte) fillRgba[c];
            }
        }
        for (int sy = 0; sy < fh; sy++) {
            int y = top + (rowOf != null ? rowOf[sy] : sy);
            if (y >= ch) continue;
            int n = Math.min(fw, cw - left);
            if (n <= 0) break;
            System.arraycopy(src, sy * fw * 4, out, (y * cw + left) * 4, n * 4);
        }
        return DecodedImage.wrap(frame.mode(), cw, ch, out);
    }
}
