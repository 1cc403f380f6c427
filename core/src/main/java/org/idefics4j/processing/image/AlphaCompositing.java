package org.idefics4j.processing.image;

/**
 * {@code Image.alpha_composite(white, image).convert("RGB")} with Pillow's integer arithmetic
 * (src/libImaging/AlphaComposite.c, 7 extra precision bits and shift-based division by 255),
 * specialised to an opaque white background. Spec §12.2.
 */
final class AlphaCompositing {
    private AlphaCompositing() {
    }

    /** One channel: source colour {@code c}, source alpha {@code a}, over opaque white. */
    static int overWhite(int c, int a) {
        if (a == 0) return 255; // Pillow copies the destination pixel
        // Pillow: coef1 = a*255*255*128 / (255*255) = 128a, coef2 = 128(255-a); then
        // SHIFTFORDIV255(tmp + (0x80 << 7)) >> 7.
        int u = 128 * (c * a + 255 * (255 - a) + 128);
        return (((u >> 8) + u) >> 8) >> 7;
    }

    /** RGBA (4 bytes per pixel) → RGB composited over white. */
    static byte[] overWhite(byte[] rgba) {
        int n = rgba.length / 4;
        byte[] out = new byte[n * 3];
        for (int i = 0; i < n; i++) {
            int a = rgba[i * 4 + 3] & 0xff;
            for (int c = 0; c < 3; c++) {
                out[i * 3 + c] = (byte) overWhite(rgba[i * 4 + c] & 0xff, a);
            }
        }
        return out;
    }
}
