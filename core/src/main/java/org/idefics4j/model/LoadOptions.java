package org.idefics4j.model;

import org.idefics4j.engine.DType;

/**
 * How to load a checkpoint.
 *
 * @param weightDtype storage dtype of the weight matrices in memory: null keeps what the file holds
 *                    (F32 stays memory-mapped without a copy, BF16 stays BF16); F32, BF16 or F16
 *                    converts at load
 * @param listener    told about every tensor as it is loaded (progress bars); may be null
 */
public record LoadOptions(DType weightDtype, Listener listener) {
    public static final LoadOptions DEFAULT = new LoadOptions(null, null);

    /** Progress of a load: bytes of tensors done so far out of the checkpoint's total. */
    @FunctionalInterface
    public interface Listener {
        void loaded(String tensor, long doneBytes, long totalBytes);
    }

    public LoadOptions {
        if (weightDtype != null && weightDtype != DType.F32 && weightDtype != DType.BF16 && weightDtype != DType.F16) {
            throw new IllegalArgumentException("weights can be kept as F32, BF16 or F16, not " + weightDtype);
        }
    }
}
