package org.idefics4j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
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
 *     pack B[pc:pc+KC, jc:jc+NC]          shared by all threads, KC×NC ≤ 2 MB: L2/L3
 *     parallel for ir in M step MR        (split further over jr when M is small)
 *       pack A[ir:ir+MR, pc:pc+KC]        MR×KC = 8 KB: stays in L1
 *       for jr in NC step NR
 *         micro-kernel MR×NR over KC      B micro-panel streams from L2/L3, A from L1
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
    /**
     * Column block. The A micro-panels are re-packed once per column block, so a wide block saves
     * packing; the packed B block KC×NC (2 MB at the defaults) then lives in L2/L3 and the kernel
     * streams its 32 KB micro-panels from there (8 bytes a cycle: well within L3 bandwidth).
     * Measured on 2048³, shared strategy: NC 512 → ~145, 1024 → ~155, 2048 → ~175 GFLOP/s (noisy machine).
     */
    static final int NC = roundUp(Math.max(NR, Integer.getInteger("idefics4j.gemm.nc", 2048)), NR);

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
     * How the threaded product is shared out: {@code split} (default) cuts C into a few blocks that
     * each run the single-threaded algorithm (one fork/join per call; each block packs its own
     * operands, so A is packed once per column block, B once per row block); {@code shared} packs
     * each B block once for all threads and splits the A micro-panels (two fork/joins per B block).
     * On a busy 2-core machine the single barrier of {@code split} wins.
     */
    static final boolean SHARED = "shared".equals(System.getProperty("idefics4j.gemm.strategy", "split"));

    /**
     * {@code C[m,n] = op(A)·op(B) + beta·C}; {@code threads} lets it use the pool (false: this thread only).
     * beta = 0 never reads C (BLAS convention: C may hold garbage).
     */
    static void run(int m, int n, int k, APacker pa, BPacker pb, float beta,
                    float[] c, int cOff, int ldc, boolean threads) {
        if (threads && !SHARED && Parallel.threads() > 1) {
            runSplit(m, n, k, pa, pb, beta, c, cOff, ldc);
        } else {
            runShared(m, n, k, pa, pb, beta, c, cOff, ldc, threads);
        }
    }

    /**
     * Cuts C into rowChunks × colChunks blocks, about two per thread (more blocks would balance
     * better but repack more). Among the cuts with enough blocks, it picks the one that packs least:
     * A is packed once per column chunk (m·k each time), B once per row chunk (n·k).
     */
    private static void runSplit(int m, int n, int k, APacker pa, BPacker pb, float beta,
                                 float[] c, int cOff, int ldc) {
        int mPanels = (m + MR - 1) / MR, nPanels = (n + NR - 1) / NR;
        int want = 2 * Parallel.threads();
        int bestR = 1, bestC = 1;
        long best = Long.MAX_VALUE;
        for (int cc = 1; cc <= Math.min(want, nPanels); cc++) {
            int rc = Math.min(mPanels, (want + cc - 1) / cc);
            long blocks = (long) rc * cc;
            // fewer blocks than wanted (tiny problem) only if nothing better exists
            long cost = (long) m * cc + (long) n * rc + (blocks < want ? (long) (want - blocks) * (m + n) * 4 : 0);
            if (cost < best) {
                best = cost;
                bestR = rc;
                bestC = cc;
            }
        }
        int rc = bestR, cc = bestC;
        Parallel.forRange(rc * cc, 1, (f, t) -> {
            for (int blk = f; blk < t; blk++) {
                int ri = blk / cc, ci = blk % cc;
                int r0 = (int) ((long) mPanels * ri / rc) * MR, r1 = Math.min(m, (int) ((long) mPanels * (ri + 1) / rc) * MR);
                int c0 = (int) ((long) nPanels * ci / cc) * NR, c1 = Math.min(n, (int) ((long) nPanels * (ci + 1) / cc) * NR);
                if (r1 <= r0 || c1 <= c0) continue;
                APacker subA = (i0, rows, p0, kc, dst) -> pa.pack(r0 + i0, rows, p0, kc, dst);
                BPacker subB = (p0, kc, j0, cols, dst, off) -> pb.pack(p0, kc, c0 + j0, cols, dst, off);
                runShared(r1 - r0, c1 - c0, k, subA, subB, beta, c, cOff + r0 * ldc + c0, ldc, false);
            }
        });
    }

    private static void runShared(int m, int n, int k, APacker pa, BPacker pb, float beta,
                                  float[] c, int cOff, int ldc, boolean threads) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        // beta other than 0 and 1: scale C once, then every depth block accumulates into it
        boolean accumulateFirst = beta != 0f;
        if (beta != 0f && beta != 1f) scale(m, n, beta, c, cOff, ldc);
        Scratch owner = Scratch.acquire();
        try {
            float[] bBuf = owner.b(roundUp(Math.min(NC, n), NR) * Math.min(KC, k));
            for (int jc = 0; jc < n; jc += NC) {
                int nc = Math.min(NC, n - jc);
                int nPanels = (nc + NR - 1) / NR;
                for (int pc = 0; pc < k; pc += KC) {
                    int kc = Math.min(KC, k - pc);
                    boolean acc = pc > 0 || accumulateFirst;
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
                        // single-threaded: the owner's A-panel and tile buffers are free to use
                        Scratch s = threads ? Scratch.acquire() : owner;
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
                                        kernel(kc, s.a, bBuf, jp * NR * kc, acc, c, cPos, ldc);
                                    } else {
                                        kernel(kc, s.a, bBuf, jp * NR * kc, false, s.tile, 0, NR);
                                        merge(s.tile, rows, cols, acc, c, cPos, ldc);
                                    }
                                }
                            }
                        } finally {
                            if (s != owner) s.release();
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

    /** {@code C[rows, cols] = tile (+ C)}, a partial edge tile. */
    private static void merge(float[] tile, int rows, int cols, boolean accumulate, float[] c, int cPos, int ldc) {
        for (int r = 0; r < rows; r++) {
            int t = r * NR, o = cPos + r * ldc;
            if (accumulate) {
                for (int j = 0; j < cols; j++) c[o + j] += tile[t + j];
            } else {
                System.arraycopy(tile, t, c, o, cols);
            }
        }
    }

    /**
     * The MR×NR micro-kernel: {@code C[8, 32] = Apanel[8, kc]·Bpanel[kc, 32] (+ C if accumulate)}.
     * Written out by hand (no arrays of vectors) so that C2 keeps all 16 accumulators in
     * registers. C enters through the initial accumulator values rather than a beta-dependent
     * store at the end: one plain store path keeps the method small enough for C2 to intrinsify
     * every vector operation (with three store variants it did not, and ran at 1/5 of the speed).
     */
    static void kernel(int kc, float[] a, float[] b, int bOff, boolean accumulate, float[] c, int cPos, int ldc) {
        int r1 = cPos + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc;
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (accumulate) {
            c00 = FloatVector.fromArray(F, c, cPos);
            c01 = FloatVector.fromArray(F, c, cPos + L);
            c10 = FloatVector.fromArray(F, c, r1);
            c11 = FloatVector.fromArray(F, c, r1 + L);
            c20 = FloatVector.fromArray(F, c, r2);
            c21 = FloatVector.fromArray(F, c, r2 + L);
            c30 = FloatVector.fromArray(F, c, r3);
            c31 = FloatVector.fromArray(F, c, r3 + L);
            c40 = FloatVector.fromArray(F, c, r4);
            c41 = FloatVector.fromArray(F, c, r4 + L);
            c50 = FloatVector.fromArray(F, c, r5);
            c51 = FloatVector.fromArray(F, c, r5 + L);
            c60 = FloatVector.fromArray(F, c, r6);
            c61 = FloatVector.fromArray(F, c, r6 + L);
            c70 = FloatVector.fromArray(F, c, r7);
            c71 = FloatVector.fromArray(F, c, r7 + L);
        } else {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = FloatVector.zero(F);
            c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = FloatVector.zero(F);
        }
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
        c00.intoArray(c, cPos);
        c01.intoArray(c, cPos + L);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + L);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + L);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + L);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + L);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + L);
        c60.intoArray(c, r6);
        c61.intoArray(c, r6 + L);
        c70.intoArray(c, r7);
        c71.intoArray(c, r7 + L);
    }

    // ------------------------------------------------------------------ packers for float arrays

    /** op(A) from a row-major float array: A[i][p] = a[off + i·lda + p], or a[off + p·lda + i] when transposed. */
    static APacker arrayA(float[] a, int off, int lda, boolean trans, float alpha) {
        if (!trans) {
            return (i0, rows, p0, kc, dst) -> {
                if (rows == MR) {
                    // eight row streams read in step, the panel written sequentially
                    int s0 = off + i0 * lda + p0;
                    int s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda, s6 = s5 + lda, s7 = s6 + lda;
                    for (int p = 0, d = 0; p < kc; p++, d += MR) {
                        dst[d] = alpha * a[s0 + p];
                        dst[d + 1] = alpha * a[s1 + p];
                        dst[d + 2] = alpha * a[s2 + p];
                        dst[d + 3] = alpha * a[s3 + p];
                        dst[d + 4] = alpha * a[s4 + p];
                        dst[d + 5] = alpha * a[s5 + p];
                        dst[d + 6] = alpha * a[s6 + p];
                        dst[d + 7] = alpha * a[s7 + p];
                    }
                    return;
                }
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
     * op(B) = wᵀ for a stored weight w [N, K] (the Linear layer form): B[p][j] = w[j][p]. Packing
     * is a transpose; scalar (one store per weight) it cost ~4 cycles a weight, 20% of a 256-token
     * prefill, so full panels go through {@link Transpose16}.
     */
    static BPacker storedTransB(StoredTensor w) {
        DType dt = w.dtype();
        MemorySegment seg = w.segment();
        long k = w.dim(1);
        boolean vec = Transpose16.AVAILABLE && NR == 32 && (dt == DType.F32 || dt == DType.BF16);
        return (p0, kc, j0, cols, dst, dOff) -> {
            int done = 0;
            if (vec && cols == NR) {
                // full panel: 16 rows × 16 (F32) or 32 (BF16) depths at a time, transposed in registers
                done = dt == DType.F32 ? packF32(seg, k, p0, kc, j0, dst, dOff) : packBf16(seg, k, p0, kc, j0, dst, dOff);
            }
            if (done < kc) packScalar(dt, seg, k, p0 + done, kc - done, j0, cols, dst, dOff + done * NR);
            zeroCols(cols, kc, dst, dOff);
        };
    }

    private static int packF32(MemorySegment seg, long k, int p0, int kc, int j0, float[] dst, int dOff) {
        int full = kc / 16 * 16;
        long kb = k * 4;
        for (int h = 0; h < NR; h += 16) {
            // addresses in the form invariant + 4·p, so C2 hoists the segment bounds checks (see MatVec)
            long rb = ((j0 + h) * k + p0) * 4;
            for (int p = 0; p < full; p += 16) {
                long a = rb + 4L * p;
                Transpose16.store(dst, dOff + p * NR + h, NR, f32(seg, a), f32(seg, a + kb), f32(seg, a + 2 * kb),
                        f32(seg, a + 3 * kb), f32(seg, a + 4 * kb), f32(seg, a + 5 * kb), f32(seg, a + 6 * kb),
                        f32(seg, a + 7 * kb), f32(seg, a + 8 * kb), f32(seg, a + 9 * kb), f32(seg, a + 10 * kb),
                        f32(seg, a + 11 * kb), f32(seg, a + 12 * kb), f32(seg, a + 13 * kb), f32(seg, a + 14 * kb),
                        f32(seg, a + 15 * kb));
            }
        }
        return full;
    }

    private static FloatVector f32(MemorySegment seg, long byteOffset) {
        return FloatVector.fromMemorySegment(WeightCodec.F, seg, byteOffset, WeightCodec.LE);
    }

    private static int packBf16(MemorySegment seg, long k, int p0, int kc, int j0, float[] dst, int dOff) {
        int full = kc / 32 * 32;
        long kb = k * 2;
        for (int h = 0; h < NR; h += 16) {
            long rb = ((j0 + h) * k + p0) * 2; // invariant + 2·p addresses, see packF32
            for (int p = 0; p < full; p += 32) {
                long a = rb + 2L * p;
                IntVector v0 = bf16Ints(seg, a), v1 = bf16Ints(seg, a + kb), v2 = bf16Ints(seg, a + 2 * kb);
                IntVector v3 = bf16Ints(seg, a + 3 * kb), v4 = bf16Ints(seg, a + 4 * kb), v5 = bf16Ints(seg, a + 5 * kb);
                IntVector v6 = bf16Ints(seg, a + 6 * kb), v7 = bf16Ints(seg, a + 7 * kb), v8 = bf16Ints(seg, a + 8 * kb);
                IntVector v9 = bf16Ints(seg, a + 9 * kb), v10 = bf16Ints(seg, a + 10 * kb), v11 = bf16Ints(seg, a + 11 * kb);
                IntVector v12 = bf16Ints(seg, a + 12 * kb), v13 = bf16Ints(seg, a + 13 * kb), v14 = bf16Ints(seg, a + 14 * kb);
                IntVector v15 = bf16Ints(seg, a + 15 * kb);
                // even lanes hold depths p, p+2, ...; odd lanes p+1, p+3, ...
                Transpose16.store(dst, dOff + p * NR + h, 2 * NR, even(v0), even(v1), even(v2), even(v3), even(v4), even(v5), even(v6), even(v7), even(v8), even(v9), even(v10), even(v11), even(v12), even(v13), even(v14), even(v15));
                Transpose16.store(dst, dOff + (p + 1) * NR + h, 2 * NR, odd(v0), odd(v1), odd(v2), odd(v3), odd(v4), odd(v5), odd(v6), odd(v7), odd(v8), odd(v9), odd(v10), odd(v11), odd(v12), odd(v13), odd(v14), odd(v15));
            }
        }
        return full;
    }

    /** BF16 pairs as int lanes; see {@link MatVec} for the even/odd split. */
    private static IntVector bf16Ints(MemorySegment seg, long byteOffset) {
        return IntVector.fromMemorySegment(WeightCodec.I, seg, byteOffset, WeightCodec.LE);
    }

    private static FloatVector even(IntVector v) {
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector odd(IntVector v) {
        return v.and(0xffff0000).reinterpretAsFloats();
    }

    /** Any dtype, any panel width: decode each weight row, write it down a column of the panel. */
    private static void packScalar(DType dt, MemorySegment seg, long k, int p0, int kc, int j0, int cols,
                                   float[] dst, int dOff) {
        float[] row = ROW.get();
        if (row.length < kc) {
            row = new float[Math.max(kc, KC)];
            ROW.set(row);
        }
        for (int c = 0; c < cols; c++) {
            WeightCodec.decode(dt, seg, (j0 + c) * k + p0, row, 0, kc);
            for (int p = 0, d = dOff + c; p < kc; p++, d += NR) dst[d] = row[p];
        }
    }

    /** Decode buffer of {@link #packScalar} (which never re-enters itself). */
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[KC]);

    static void zeroCols(int cols, int kc, float[] dst, int dOff) {
        if (cols == NR) return;
        for (int p = 0; p < kc; p++) {
            for (int c = cols; c < NR; c++) dst[dOff + p * NR + c] = 0f;
        }
    }
}
