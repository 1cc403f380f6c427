package org.idefics4j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.idefics4j.engine.DType;
import org.idefics4j.engine.Parallel;
import org.idefics4j.engine.StoredTensor;

import java.lang.foreign.MemorySegment;

/**
 * Packed, cache-blocked, register-tiled SGEMM: {@code C = op(A)·op(B) + beta·C} (alpha is folded
 * into the A packing). The operands are read through {@link APacker}/{@link BPacker}, so the same
 * driver serves float arrays in any transpose and stored (F32/BF16/F16) weights.
 *
 * <p>Loop structure (Goto/BLIS style, with the two inner loops swapped to suit our kernel):
 * <pre>
 * for jc in N step NC                     B block columns
 *   for pc in K step KC                   depth block
 *     pack B[pc:pc+KC, jc:jc+NC]          shared by all threads, KC×NC ≈ 512 KB: stays in L2
 *     parallel for ir in M step MR        (split further over jr when M is small)
 *       pack A[ir:ir+MR, pc:pc+KC]        MR×KC = 8 KB: stays in L1
 *       for jr in NC step NR
 *         micro-kernel MR×NR over KC      B micro-panel streams from L2, A from L1
 * </pre>
 * The micro-kernel keeps an MR×NR = 8×32 tile of C in 16 vector registers (2 vectors of 16 lanes
 * a row), and per k step does 2 vector loads of B, 8 broadcasts of A and 16 FMAs: 19 of the 32
 * AVX-512 registers, and enough independent accumulators (16) to hide the FMA latency.
 *
 * <p>Packed layouts: an A micro-panel is {@code [p][r]} (MR consecutive floats per k, the values
 * the kernel broadcasts one after the other); a B micro-panel is {@code [p][c]} (NR consecutive
 * floats per k, two vector loads). Edges are zero-padded in the packing, so the kernel always
 * computes full tiles; partial tiles go through a small buffer before being merged into C.
 */
final class PackedGemm {
    private PackedGemm() {
    }

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Micro-tile rows (broadcast operand). */
    static final int MR = 8;
    /** Micro-tile columns: two vectors. */
    static final int NR = 2 * L;
    /** Depth block: an A micro-panel MR×KC lives in L1, a B micro-panel KC×NR streams from L2. */
    static final int KC = Math.max(16, Integer.getInteger("idefics4j.gemm.kc", 256));
    /** Column block: the packed B block KC×NC (512 KB at the defaults) stays in the 1 MB L2. */
    static final int NC = roundUp(Math.max(NR, Integer.getInteger("idefics4j.gemm.nc", 512)), NR);

    static int roundUp(int v, int to) {
        return (v + to - 1) / to * to;
    }

    /** Packs rows {@code [i0, i0+rows)} × depth {@code [p0, p0+kc)} of op(A), scaled by alpha, as an MR micro-panel. */
    interface APacker {
        void pack(int i0, int rows, int p0, int kc, float[] dst);
    }

    /** Packs depth {@code [p0, p0+kc)} × columns {@code [j0, j0+cols)} of op(B) as an NR micro-panel at {@code dst[off..]}. */
    interface BPacker {
        void pack(int p0, int kc, int j0, int cols, float[] dst, int off);
    }

    /** Per-thread reusable buffers; {@link #acquire} hands out a fresh one if this thread's is busy (re-entrancy). */
    static final class Scratch {
        private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);
        boolean busy;
        float[] a = new float[MR * KC];
        float[] b = new float[0];
        float[] tile = new float[MR * NR];
        float[] row = new float[0];

        static Scratch acquire() {
            Scratch s = LOCAL.get();
            if (s.busy) s = new Scratch();
            s.busy = true;
            return s;
        }

        void release() {
            busy = false;
        }

        float[] b(int size) {
            if (b.length < size) b = new float[size];
            return b;
        }

        float[] row(int size) {
            if (row.length < size) row = new float[size];
            return row;
        }
    }

    /**
     * {@code C[m,n] = op(A)·op(B) + beta·C}; {@code threads} lets it use the pool (false: this thread only).
     * beta = 0 never reads C (BLAS convention: C may hold garbage).
     */
    static void run(int m, int n, int k, APacker pa, BPacker pb, float beta,
                    float[] c, int cOff, int ldc, boolean threads) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        Scratch owner = Scratch.acquire();
        try {
            float[] bBuf = owner.b(NC * Math.min(KC, k));
            for (int jc = 0; jc < n; jc += NC) {
                int nc = Math.min(NC, n - jc);
                int nPanels = (nc + NR - 1) / NR;
                for (int pc = 0; pc < k; pc += KC) {
                    int kc = Math.min(KC, k - pc);
                    float betaBlock = pc == 0 ? beta : 1f;
                    int jc0 = jc, pc0 = pc;
                    // 1. pack the shared B block
                    if (threads) {
                        Parallel.forRange(nPanels, 2, (f, t) -> packB(pb, pc0, kc, jc0, nc, f, t, bBuf));
                    } else {
                        packB(pb, pc, kc, jc, nc, 0, nPanels, bBuf);
                    }
                    // 2. multiply: work items are (A micro-panel, slice of the B panels); more slices
                    //    when M is small so that every thread still gets work
                    int mPanels = (m + MR - 1) / MR;
                    int slices = 1;
                    if (threads) {
                        int want = 4 * Parallel.threads();
                        if (mPanels < want) slices = Math.min(nPanels, (want + mPanels - 1) / mPanels);
                    }
                    int nSlices = slices;
                    Parallel.RangeBody body = (f, t) -> {
                        Scratch s = Scratch.acquire();
                        try {
                            int packedPanel = -1;
                            for (int item = f; item < t; item++) {
                                int ip = item / nSlices, sl = item % nSlices;
                                int i0 = ip * MR, rows = Math.min(MR, m - i0);
                                if (ip != packedPanel) {
                                    pa.pack(i0, rows, pc0, kc, s.a);
                                    packedPanel = ip;
                                }
                                int jp0 = (int) ((long) nPanels * sl / nSlices);
                                int jp1 = (int) ((long) nPanels * (sl + 1) / nSlices);
                                for (int jp = jp0; jp < jp1; jp++) {
                                    int j0 = jc0 + jp * NR, cols = Math.min(NR, jc0 + nc - j0);
                                    int cPos = cOff + i0 * ldc + j0;
                                    if (rows == MR && cols == NR) {
                                        kernel(kc, s.a, bBuf, jp * NR * kc, betaBlock, c, cPos, ldc);
                                    } else {
                                        kernel(kc, s.a, bBuf, jp * NR * kc, 0f, s.tile, 0, NR);
                                        merge(s.tile, rows, cols, betaBlock, c, cPos, ldc);
                                    }
                                }
                            }
                        } finally {
                            s.release();
                        }
                    };
                    if (threads) {
                        Parallel.forRange(mPanels * nSlices, 1, body);
                    } else {
                        body.run(0, mPanels);
                    }
                }
            }
        } finally {
            owner.release();
        }
    }

    private static void packB(BPacker pb, int pc, int kc, int jc, int nc, int from, int to, float[] bBuf) {
        for (int jp = from; jp < to; jp++) {
            int j0 = jc + jp * NR;
            pb.pack(pc, kc, j0, Math.min(NR, jc + nc - j0), bBuf, jp * NR * kc);
        }
    }

    static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int r = cOff + i * ldc;
            for (int j = 0; j < n; j++) c[r + j] = beta == 0f ? 0f : beta * c[r + j];
        }
    }

    /** {@code C[rows, cols] = tile + beta·C}, the partial edge tile. */
    private static void merge(float[] tile, int rows, int cols, float beta, float[] c, int cPos, int ldc) {
        for (int r = 0; r < rows; r++) {
            int t = r * NR, o = cPos + r * ldc;
            if (beta == 0f) {
                System.arraycopy(tile, t, c, o, cols);
            } else if (beta == 1f) {
                for (int j = 0; j < cols; j++) c[o + j] += tile[t + j];
            } else {
                for (int j = 0; j < cols; j++) c[o + j] = tile[t + j] + beta * c[o + j];
            }
        }
    }

    /**
     * The MR×NR micro-kernel: {@code C[8, 32] = Apanel[8, kc]·Bpanel[kc, 32] + beta·C}. Written
     * out by hand (no arrays of vectors) so that C2 keeps all 16 accumulators in registers.
     */
    static void kernel(int kc, float[] a, float[] b, int bOff, float beta, float[] c, int cPos, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
        int ap = 0, bp = bOff;
        for (int p = 0; p < kc; p++, ap += MR, bp += NR) {
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            FloatVector av = FloatVector.broadcast(F, a[ap]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(F, a[ap + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(F, a[ap + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(F, a[ap + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(F, a[ap + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(F, a[ap + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(F, a[ap + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(F, a[ap + 7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        store(c00, c01, beta, c, cPos, ldc * 0);
        store(c10, c11, beta, c, cPos, ldc);
        store(c20, c21, beta, c, cPos, ldc * 2);
        store(c30, c31, beta, c, cPos, ldc * 3);
        store(c40, c41, beta, c, cPos, ldc * 4);
        store(c50, c51, beta, c, cPos, ldc * 5);
        store(c60, c61, beta, c, cPos, ldc * 6);
        store(c70, c71, beta, c, cPos, ldc * 7);
    }

    private static void store(FloatVector v0, FloatVector v1, float beta, float[] c, int cPos, int rowOff) {
        int o = cPos + rowOff;
        if (beta == 0f) {
            v0.intoArray(c, o);
            v1.intoArray(c, o + L);
        } else if (beta == 1f) {
            v0.add(FloatVector.fromArray(F, c, o)).intoArray(c, o);
            v1.add(FloatVector.fromArray(F, c, o + L)).intoArray(c, o + L);
        } else {
            FloatVector bv = FloatVector.broadcast(F, beta);
            FloatVector.fromArray(F, c, o).fma(bv, v0).intoArray(c, o);
            FloatVector.fromArray(F, c, o + L).fma(bv, v1).intoArray(c, o + L);
        }
    }

    // ------------------------------------------------------------------ packers for float arrays

    /** op(A) from a row-major float array: A[i][p] = a[off + i·lda + p], or a[off + p·lda + i] when transposed. */
    static APacker arrayA(float[] a, int off, int lda, boolean trans, float alpha) {
        if (!trans) {
            return (i0, rows, p0, kc, dst) -> {
                for (int r = 0; r < rows; r++) {
                    int src = off + (i0 + r) * lda + p0;
                    for (int p = 0, d = r; p < kc; p++, d += MR) dst[d] = alpha * a[src + p];
                }
                zeroRows(rows, kc, dst);
            };
        }
        return (i0, rows, p0, kc, dst) -> {
            for (int p = 0; p < kc; p++) {
                int src = off + (p0 + p) * lda + i0, d = p * MR;
                for (int r = 0; r < rows; r++) dst[d + r] = alpha * a[src + r];
                for (int r = rows; r < MR; r++) dst[d + r] = 0f;
            }
        };
    }

    private static void zeroRows(int rows, int kc, float[] dst) {
        if (rows == MR) return;
        for (int p = 0; p < kc; p++) {
            for (int r = rows; r < MR; r++) dst[p * MR + r] = 0f;
        }
    }

    /** op(B) from a row-major float array: B[p][j] = b[off + p·ldb + j], or b[off + j·ldb + p] when transposed. */
    static BPacker arrayB(float[] b, int off, int ldb, boolean trans) {
        if (!trans) {
            // rows of B are already contiguous along j: a copy per k (two vector moves for a full panel)
            return (p0, kc, j0, cols, dst, dOff) -> {
                for (int p = 0; p < kc; p++) {
                    int src = off + (p0 + p) * ldb + j0, d = dOff + p * NR;
                    if (cols == NR) {
                        FloatVector.fromArray(F, b, src).intoArray(dst, d);
                        FloatVector.fromArray(F, b, src + L).intoArray(dst, d + L);
                    } else {
                        System.arraycopy(b, src, dst, d, cols);
                        for (int c = cols; c < NR; c++) dst[d + c] = 0f;
                    }
                }
            };
        }
        // transposed: each column of op(B) is a contiguous row of b; write it with stride NR
        return (p0, kc, j0, cols, dst, dOff) -> {
            for (int c = 0; c < cols; c++) {
                int src = off + (j0 + c) * ldb + p0;
                for (int p = 0, d = dOff + c; p < kc; p++, d += NR) dst[d] = b[src + p];
            }
            zeroCols(cols, kc, dst, dOff);
        };
    }

    /**
     * op(B) = wᵀ for a stored weight w [N, K] (the Linear layer form): B[p][j] = w[j][p]. Each
     * weight row is decoded to float32 with vector loads, then written down a column of the panel.
     */
    static BPacker storedTransB(StoredTensor w) {
        DType dt = w.dtype();
        MemorySegment seg = w.segment();
        long k = w.dim(1);
        return (p0, kc, j0, cols, dst, dOff) -> {
            Scratch s = Scratch.acquire();
            try {
                float[] row = s.row(kc);
                for (int c = 0; c < cols; c++) {
                    WeightCodec.decode(dt, seg, (j0 + c) * k + p0, row, 0, kc);
                    for (int p = 0, d = dOff + c; p < kc; p++, d += NR) dst[d] = row[p];
                }
            } finally {
                s.release();
            }
            zeroCols(cols, kc, dst, dOff);
        };
    }

    static void zeroCols(int cols, int kc, float[] dst, int dOff) {
        if (cols == NR) return;
        for (int p = 0; p < kc; p++) {
            for (int c = cols; c < NR; c++) dst[dOff + p * NR + c] = 0f;
        }
    }
}
