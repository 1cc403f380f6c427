package org.idefics4j.engine;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The engine's threads: all cores by default ({@code -Didefics4j.threads=N} to change). Work is
 * split into contiguous ranges.
 *
 * <p>Two mechanisms. A {@link Team} of spinning workers serves one caller at a time with almost no
 * start-up cost: decoding issues about a hundred small matrix-vector products per token, and waking
 * parked pool threads for each (≈100 µs) cost more than a 1024×1024 product itself. Workers spin
 * for a short while after each job, then park. Calls that find the team busy — nested calls, or
 * other request threads — use a shared fork/join pool instead.
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
        if (TEAM != null && TEAM.tryRun(n, chunks, body)) return;
        Task root = new Task(body, n, chunks, 0, chunks);
        if (ForkJoinTask.getPool() == POOL) {
            root.invoke();
        } else {
            POOL.invoke(root);
        }
    }

    private static final Team TEAM = THREADS > 1 ? new Team(THREADS - 1) : null;

    /**
     * The caller plus {@code workers} threads that take chunks of one job at a time. A job is
     * published by bumping {@code generation}; workers spin on it ({@value #SPIN_NANOS} ns) before
     * parking, so back-to-back jobs start without a wake-up.
     */
    static final class Team {
        private static final long SPIN_NANOS = 200_000;
        private final java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean();
        private final Thread[] threads;
        private final java.util.concurrent.atomic.AtomicInteger nextChunk = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicInteger doneChunks = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        private volatile long generation;
        private volatile boolean[] parked;
        private int n, chunks;
        private RangeBody body;

        Team(int workers) {
            threads = new Thread[workers];
            parked = new boolean[workers];
            for (int i = 0; i < workers; i++) {
                int id = i;
                threads[i] = Thread.ofPlatform().daemon().name("idefics4j-team-" + (i + 1)).unstarted(() -> work(id));
                threads[i].start();
            }
        }

        /** Runs the job on the team and returns true, or returns false at once when the team is busy. */
        boolean tryRun(int n, int chunks, RangeBody body) {
            if (!busy.compareAndSet(false, true)) return false;
            try {
                this.n = n;
                this.chunks = chunks;
                this.body = body;
                failure.set(null);
                doneChunks.set(0);
                nextChunk.set(0);
                generation = generation + 1; // publishes the fields above to the workers
                for (int i = 0; i < threads.length; i++) {
                    if (parked[i]) java.util.concurrent.locks.LockSupport.unpark(threads[i]);
                }
                takeChunks();
                while (doneChunks.get() < chunks) Thread.onSpinWait();
                this.body = null;
                Throwable t = failure.get();
                if (t instanceof RuntimeException re) throw re;
                if (t instanceof Error e) throw e;
                if (t != null) throw new IllegalStateException(t);
                return true;
            } finally {
                busy.set(false);
            }
        }

        private void takeChunks() {
            int c;
            while ((c = nextChunk.getAndIncrement()) < chunks) {
                try {
                    int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
                    if (to > from && failure.get() == null) body.run(from, to);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    doneChunks.incrementAndGet();
                }
            }
        }

        private void work(int id) {
            long seen = 0;
            while (true) {
                long start = System.nanoTime();
                while (generation == seen) {
                    if (System.nanoTime() - start < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        parked[id] = true;
                        if (generation == seen) java.util.concurrent.locks.LockSupport.park(this);
                        parked[id] = false;
                        start = System.nanoTime();
                    }
                }
                seen = generation;
                takeChunks();
            }
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
