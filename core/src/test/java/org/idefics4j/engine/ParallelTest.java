package org.idefics4j.engine;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The engine's threads: every index exactly once, failures reported, nested and concurrent callers served. */
class ParallelTest {
    private static long sumOfIndices(int n, int grain) {
        long[] slots = new long[n];
        Parallel.forRange(n, grain, (from, to) -> {
            for (int i = from; i < to; i++) slots[i] += i + 1;
        });
        long s = 0;
        for (long v : slots) s += v;
        return s;
    }

    @Test
    void everyIndexOnceForManySizes() {
        for (int n : new int[]{1, 2, 3, 7, 64, 1000, 100_003}) {
            for (int rep = 0; rep < 200; rep++) assertEquals((long) n * (n + 1) / 2, sumOfIndices(n, 1), "n = " + n);
        }
    }

    @Test
    void failureInOneChunkReachesTheCaller() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(100, 1, (from, to) -> {
            if (from == 0) throw new IllegalStateException("boom");
        }));
        assertEquals("boom", e.getMessage());
        assertEquals(5050, sumOfIndices(100, 1), "the threads still work after a failure");
    }

    @Test
    void nestedAndConcurrentCallers() throws Exception {
        AtomicLong total = new AtomicLong();
        Parallel.forRange(8, 1, (from, to) -> {
            for (int i = from; i < to; i++) total.addAndGet(sumOfIndices(1000, 10)); // nested: falls back to the pool
        });
        assertEquals(8 * 500_500L, total.get());
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            Future<?>[] f = new Future<?>[4];
            for (int t = 0; t < 4; t++) {
                f[t] = callers.submit(() -> {
                    for (int rep = 0; rep < 300; rep++) assertEquals(500_500L, sumOfIndices(1000, 1));
                });
            }
            for (Future<?> x : f) x.get();
        } finally {
            callers.shutdownNow();
        }
    }
}
