package org.idefics4j.model;

import org.idefics4j.engine.Tensor;

import java.util.IdentityHashMap;

/**
 * Where the layers put their outputs. {@link #FRESH} allocates a new tensor every time (the
 * default: outputs stay valid forever). A request's own workspace (kept in its
 * {@link IdeficsCache}) hands each layer the same buffers step after step, so decoding allocates no
 * tensors per token once the shapes settle; its outputs are valid until the next call.
 */
public final class Workspace {
    /** Allocates a new tensor for every output. */
    public static final Workspace FRESH = new Workspace(false);

    private final boolean reuse;
    private final IdentityHashMap<Object, Tensor[]> buffers = new IdentityHashMap<>();

    private Workspace(boolean reuse) {
        this.reuse = reuse;
    }

    /** A workspace that reuses buffers (one per request: not thread-safe). */
    static Workspace reusing() {
        return new Workspace(true);
    }

    /** Output {@code slot} of {@code owner}, shaped [d0, d1, d2]. */
    Tensor rank3(Object owner, int slot, int d0, int d1, int d2) {
        if (!reuse) return Tensor.zeros(d0, d1, d2);
        Tensor[] mine = slots(owner);
        Tensor t = mine[slot];
        if (t == null || !t.hasShape(d0, d1, d2)) {
            t = Tensor.zeros(d0, d1, d2);
            mine[slot] = t;
        }
        return t;
    }

    private Tensor[] slots(Object owner) {
        Tensor[] mine = buffers.get(owner);
        if (mine == null) {
            mine = new Tensor[4];
            buffers.put(owner, mine);
        }
        return mine;
    }

    /** Output {@code slot} of {@code owner}: {@code like}'s shape with the last dimension {@code last}. */
    Tensor rows(Object owner, int slot, Tensor like, int last) {
        if (!reuse) return Tensor.zerosRowsOf(like, last);
        Tensor[] mine = slots(owner);
        Tensor t = mine[slot];
        if (t == null || !t.sameRowsAs(like, last)) {
            t = Tensor.zerosRowsOf(like, last);
            mine[slot] = t;
        }
        return t;
    }

    /** Output {@code slot} of {@code owner} with {@code like}'s shape. */
    Tensor like(Object owner, int slot, Tensor like) {
        return rows(owner, slot, like, like.dim(-1));
    }
}
