package org.idefics4j.engine;

/**
 * Element types a checkpoint or an input file may hold, named as safetensors names them.
 * Computation is always float32; these are storage formats.
 */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The dtype named by a safetensors header, or {@code null} when it is not one we read. */
    public static DType fromSafetensors(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) return d;
        }
        return null;
    }
}
