package org.idefics4j.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Work counters JMH reports as rates next to each benchmark: {@code gflop} in ops/s reads as
 * GFLOP/s, {@code gbyte} in ops/s as GB/s (of weights or buffer read).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Counters {
    public double gflop;
    public double gbyte;

    @Setup(Level.Iteration)
    public void reset() {
        gflop = 0;
        gbyte = 0;
    }
}
