package org.snapshare.store;

import java.util.List;
import java.util.Random;

/**
 * Crash trials over many seeds (bench/crash-soak.sh): for each seed, a workload drawn from it, cut
 * after a few random device writes, each cut followed by several random losses of unflushed writes
 * (a disk cache's), for every store format still mounted. Prints a table of trials, torn commits and
 * failures per format, then the first failures; exits 1 if any trial failed.
 * Usage: CrashSoak SEEDS [CUTS_PER_SEED [DRAWS_PER_CUT]]
 */
public final class CrashSoak {

    private static final int DEVICE = 2 << 20;
    /** Format, device bytes, operations a transaction: the rows of CrashConsistencyTest. */
    private static final int[][] CASES = {{5, DEVICE, 3}, {5, DEVICE, 40}, {5, 262144, 40}, {4, DEVICE, 40},
        {3, DEVICE, 40}, {2, DEVICE, 40}};

    private CrashSoak() {
    }

    public static void main(String[] args) throws Exception {
        // Heals and torn-commit warnings are expected by the thousand here: the table says what matters.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
        int seeds = Integer.parseInt(args[0]);
        int cutsPerSeed = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int draws = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        System.out.printf("%-8s %8s %12s %8s %8s %10s%n", "format", "device", "ops/transact", "trials", "torn",
                "failures");
        int failedTotal = 0;
        StringBuilder firstFailures = new StringBuilder();
        for (int[] row : CASES) {
            int trials = 0;
            int torn = 0;
            int failed = 0;
            for (int seed = 0; seed < seeds; seed++) {
                CrashTrials crash = new CrashTrials(row[0], row[1], row[2], 1000L + seed);
                Random cuts = new Random(seed);
                for (int c = 0; c < cutsPerSeed; c++) {
                    int cut = cuts.nextInt(crash.writes() + 1);
                    List<CrashTrials.Outcome> outcomes = crash.trials(cut, seed * 100_003L + cut * 31L, draws);
                    for (CrashTrials.Outcome outcome : outcomes) {
                        trials++;
                        torn += outcome.torn() ? 1 : 0;
                        if (outcome.failure() != null) {
                            failed++;
                            if (firstFailures.length() < 2000) {
                                firstFailures.append(String.format("format %d, seed %d, cut %d: %s%n", row[0], seed,
                                        cut, outcome.failure()));
                            }
                        }
                    }
                }
            }
            failedTotal += failed;
            System.out.printf("%-8d %8d %12d %8d %8d %10d%n", row[0], row[1], row[2], trials, torn, failed);
        }
        System.out.print(firstFailures);
        System.exit(failedTotal == 0 ? 0 : 1);
    }
}
