package org.idefics4j.engine;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The engine's one thread pool: all cores by default ({@code -Didefics4j.threads=N} to change).
 * Work is split into contiguous ranges; calls from many request threads share the pool.
 */
public final class Parallel {
    private static final int THREADS = Integer.getInteger("idefics4j.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, THREADS),
            pool -> {
                var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                t.setName("idefics4j-" + t.getPoolIndex());
                t.setDaemon(true);
                return t;
            }, null, false);

    private Parallel() {
    }

    public static int threads() {
        return POOL.getParallelism();
    }

    /** A body that handles the index range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over [0, n) in about {@code threads} chunks of at least {@code grain} indices.
     * Small ranges run on the calling thread.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.min(threads() * 2, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || threads() == 1) {
            body.run(0, n);
            return;
        }
        Task root = new Task(body, n, chunks, 0, chunks);
        if (ForkJoinTask.getPool() == POOL) {
            root.invoke();
        } else {
            POOL.invoke(root);
        }
    }

    private static final class Task extends RecursiveAction {
        private final RangeBody body;
        private final int n, chunks, lo, hi;

        Task(RangeBody body, int n, int chunks, int lo, int hi) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                int from = (int) ((long) n * lo / chunks);
                int to = (int) ((long) n * hi / chunks);
                if (to > from) body.run(from, to);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Task(body, n, chunks, lo, mid), new Task(body, n, chunks, mid, hi));
        }
    }
}
