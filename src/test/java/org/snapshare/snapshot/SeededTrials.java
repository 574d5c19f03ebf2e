package org.snapshare.snapshot;

/** Runs a randomized trial for seeds 1..N; a failure names the test and the seed that replays it. */
final class SeededTrials {

    @FunctionalInterface
    interface Trial {
        void run(long seed) throws Exception;
    }

    private SeededTrials() {
    }

    static void run(String what, int count, Trial trial) {
        for (long seed = 1; seed <= count; seed++) {
            try {
                trial.run(seed);
            } catch (AssertionError | Exception e) {
                throw new AssertionError(what + " failed with seed " + seed + ": " + e, e);
            }
        }
    }
}
