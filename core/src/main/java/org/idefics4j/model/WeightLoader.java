package org.idefics4j.model;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Hands out a checkpoint's tensors to the layers that need them, asserting each name, shape and
 * dtype against what the config implies, and at the end that nothing unexpected was left over.
 * Every message names the file and the tensor.
 */
public final class WeightLoader {
    private final Map<String, StoredTensor> tensors;
    private final String where;
    private final Set<String> used = new LinkedHashSet<>();
    private final Initializer init;
    private LoadOptions options = LoadOptions.DEFAULT;
    private long doneBytes;
    private long totalBytes;

    /** Creates a parameter that the checkpoint does not have (random or constant initialisation). */
    @FunctionalInterface
    public interface Initializer {
        StoredTensor create(String name, int[] shape);
    }

    public WeightLoader(Map<String, StoredTensor> tensors, String where) {
        this(tensors, where, null);
    }

    /** Converts matrices to {@code options.weightDtype()} and reports progress as tensors are taken. */
    public WeightLoader withOptions(LoadOptions options) {
        this.options = options;
        this.totalBytes = tensors.values().stream().mapToLong(t -> t.segment().byteSize()).sum();
        return this;
    }

    /** A loader that makes every parameter with {@code init} (a model from a config alone). */
    public static WeightLoader initializing(Initializer init) {
        return new WeightLoader(new java.util.LinkedHashMap<>(), "initialised weights", init);
    }

    private WeightLoader(Map<String, StoredTensor> tensors, String where, Initializer init) {
        this.tensors = tensors;
        this.where = where;
        this.init = init;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** A weight kept in its storage format (matrices), of exactly this shape. */
    public StoredTensor stored(String name, int... shape) {
        StoredTensor t = tensors.get(name);
        if (t == null && init != null) {
            t = init.create(name, shape);
            tensors.put(name, t);
        }
        if (t == null) {
            throw new CheckpointException(where + ": missing tensor '" + name + "' (expected shape "
                    + Arrays.toString(shape) + ")");
        }
        String file = t.source();
        if (!t.dtype().isFloating() || t.dtype() == DType.F64) {
            throw new CheckpointException(file + ": tensor '" + name + "' has dtype " + t.dtype()
                    + "; weights must be F32, BF16 or F16");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException(file + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + " but config.json implies " + Arrays.toString(shape));
        }
        used.add(name);
        if (options.weightDtype() != null && shape.length >= 2 && t.dtype() != options.weightDtype()) {
            t = t.to(options.weightDtype());
            tensors.put(name, t);
        } else if (t.segment().isMapped()) {
            touch(t);
        }
        doneBytes += tensors.get(name).segment().byteSize();
        if (options.listener() != null) options.listener().loaded(name, doneBytes, Math.max(doneBytes, totalBytes));
        return t;
    }

    /**
     * Reads one byte of every page of a memory-mapped tensor, so the disk is read while loading (with
     * progress shown) rather than during the first request.
     */
    private static void touch(StoredTensor t) {
        var seg = t.segment();
        byte sink = 0;
        for (long i = 0; i < seg.byteSize(); i += 4096) sink ^= seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
        if (sink == 42) Thread.onSpinWait(); // keeps the reads from being optimised away
    }

    /** Every tensor handed out so far, by name, in the order the layers asked for them (the state dict). */
    public java.util.Map<String, StoredTensor> used() {
        java.util.Map<String, StoredTensor> m = new java.util.LinkedHashMap<>();
        for (String n : used) m.put(n, tensors.get(n));
        return m;
    }

    /** A small weight decoded to float32 on the heap (norms, biases, gates, embeddings tables). */
    public Tensor dense(String name, int... shape) {
        return stored(name, shape).toTensor();
    }

    /**
     * Fails on tensors no layer asked for, except the buffers old transformers releases saved:
     * {@code *.rotary_emb.inv_freq} (4.32–4.34) and the vision {@code position_ids}.
     */
    public void assertAllUsed() {
        Set<String> extra = new TreeSet<>();
        for (String name : tensors.keySet()) {
            if (used.contains(name)) continue;
            if (name.endsWith(".rotary_emb.inv_freq")) continue;
            if (name.equals("model.vision_model.embeddings.position_ids")) continue;
            extra.add(name);
        }
        if (!extra.isEmpty()) {
            String first = extra.iterator().next();
            throw new CheckpointException(tensors.get(first).source() + ": " + extra.size()
                    + " tensor(s) that config.json does not account for, e.g. '" + first
                    + "' (check qk_layer_norms, use_resampler, additional_vocab_size, cross_layer_interval)");
        }
    }
}
