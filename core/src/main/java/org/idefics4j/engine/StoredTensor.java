package org.idefics4j.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor kept in its storage format (F32, BF16, F16, integers...) in a {@link MemorySegment}:
 * a slice of a memory-mapped safetensors file, or native memory we allocated. Weight matrices stay
 * like this, so a BF16 checkpoint costs 2 bytes a weight and an F32 one is never copied; kernels
 * decode elements as they stream them.
 *
 * @param name   the tensor's name (for error messages and saving)
 * @param source where it came from, e.g. the file path (for error messages)
 */
public record StoredTensor(String name, DType dtype, int[] shape, MemorySegment segment, String source) {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public StoredTensor {
        shape = shape.clone();
        long need = numel(shape) * dtype.bytes();
        if (segment.byteSize() != need) {
            throw new IllegalArgumentException("tensor '" + name + "' in " + source + ": " + dtype + Arrays.toString(shape)
                    + " needs " + need + " bytes, storage has " + segment.byteSize());
        }
    }

    public static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    public long numel() {
        return numel(shape);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int d) {
        return shape[d < 0 ? shape.length + d : d];
    }

    /** Element {@code i} (row-major) as float32; BF16 and F16 decode exactly. */
    public float getFloat(long i) {
        return switch (dtype) {
            case F32 -> segment.get(F32, i * 4);
            case BF16 -> Float.intBitsToFloat((segment.get(I16, i * 2) & 0xffff) << 16);
            case F16 -> Float.float16ToFloat(segment.get(I16, i * 2));
            case F64 -> (float) segment.get(F64, i * 8);
            case I64 -> segment.get(I64, i * 8);
            case I32 -> segment.get(I32, i * 4);
            case I16 -> segment.get(I16, i * 2);
            case I8 -> segment.get(ValueLayout.JAVA_BYTE, i);
            case U8 -> segment.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            case BOOL -> segment.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1f : 0f;
        };
    }

    /** Element {@code i} as a long (integer tensors; floats are truncated only if integral). */
    public long getLong(long i) {
        return switch (dtype) {
            case I64 -> segment.get(I64, i * 8);
            case I32 -> segment.get(I32, i * 4);
            case I16 -> segment.get(I16, i * 2);
            case I8 -> segment.get(ValueLayout.JAVA_BYTE, i);
            case U8 -> segment.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            case BOOL -> segment.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
            default -> {
                double v = dtype == DType.F64 ? segment.get(F64, i * 8) : getFloat(i);
                if (v != Math.rint(v)) {
                    throw new IllegalArgumentException("tensor '" + name + "' in " + source + " is " + dtype
                            + " with non-integer value " + v + " where integers are expected");
                }
                yield (long) v;
            }
        };
    }

    /** Decodes {@code n} consecutive elements from {@code start} into {@code dst[off..]}. */
    public void readFloats(long start, float[] dst, int off, int n) {
        if (dtype == DType.F32) {
            MemorySegment.copy(segment, F32, start * 4, dst, off, n);
            return;
        }
        for (int j = 0; j < n; j++) dst[off + j] = getFloat(start + j);
    }

    /** The whole tensor decoded to a heap float32 tensor (a copy). */
    public Tensor toTensor() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("tensor '" + name + "' is too large to copy to the heap");
        }
        float[] out = new float[(int) n];
        readFloats(0, out, 0, (int) n);
        return Tensor.of(out, shape);
    }

    public long[] toLongArray() {
        long n = numel();
        long[] out = new long[(int) n];
        for (int i = 0; i < n; i++) out[i] = getLong(i);
        return out;
    }

    public int[] toIntArray() {
        long[] l = toLongArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            if (l[i] < Integer.MIN_VALUE || l[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor '" + name + "' in " + source + ": value " + l[i] + " out of int range");
            }
            out[i] = (int) l[i];
        }
        return out;
    }

    /** A float32 copy in native memory (writable; e.g. for parameters that training updates). */
    public static StoredTensor ofFloats(String name, Tensor t) {
        MemorySegment seg = Arena.ofAuto().allocate((long) t.numel() * 4, 64);
        MemorySegment.copy(t.data(), 0, seg, F32, 0, t.numel());
        return new StoredTensor(name, DType.F32, t.shape(), seg, "memory");
    }

    /** Integer tensor in native memory, stored as I64. */
    public static StoredTensor ofLongs(String name, long[] values, int... shape) {
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * 8, 64);
        MemorySegment.copy(values, 0, seg, I64, 0, values.length);
        return new StoredTensor(name, DType.I64, shape, seg, "memory");
    }

    /** Any tensor in native memory with a given dtype: raw bytes as the file would hold them. */
    public static StoredTensor ofBytes(String name, DType dtype, int[] shape, byte[] bytes) {
        MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, bytes.length), 64).asSlice(0, bytes.length);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return new StoredTensor(name, dtype, shape, seg, "memory");
    }

    /**
     * This tensor in another floating dtype (F32, BF16 or F16), in new native memory; itself when it
     * already has that dtype. BF16 and F16 round to nearest even.
     */
    public StoredTensor to(DType target) {
        if (target == dtype) return this;
        if (target != DType.F32 && target != DType.BF16 && target != DType.F16) {
            throw new IllegalArgumentException("cannot store weights as " + target);
        }
        long n = numel();
        StoredTensor out = new StoredTensor(name, target, shape, Arena.ofAuto().allocate(n * target.bytes(), 64), source);
        float[] buf = new float[(int) Math.min(n, 1 << 16)];
        for (long i = 0; i < n; i += buf.length) {
            int len = (int) Math.min(buf.length, n - i);
            readFloats(i, buf, 0, len);
            for (int j = 0; j < len; j++) out.setFloat(i + j, buf[j]);
        }
        return out;
    }

    /** Stores {@code v} as element {@code i} in this tensor's floating dtype (BF16/F16 round to nearest even). */
    public void setFloat(long i, float v) {
        switch (dtype) {
            case F32 -> segment.set(F32, i * 4, v);
            case BF16 -> segment.set(I16, i * 2, toBf16(v));
            case F16 -> segment.set(I16, i * 2, Float.floatToFloat16(v));
            default -> throw new IllegalStateException("tensor '" + name + "' is " + dtype + ", not a float type");
        }
    }

    /** float32 → bfloat16, round to nearest even (as torch's {@code .to(torch.bfloat16)}). */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }


    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
