package org.snapshare.store;

import java.util.List;
import java.util.Random;

/**
 * Crash trials over many seeds (bench/crash-soak.sh): for each seed, a workload drawn from it, cut
 * after a few random device writes, each cut followed by several random losses of unflushed writes
 * (a disk cache's), for each of {@link CrashTrials#CASES} (every store format still mounted). Prints
 * a table of trials, torn commits and failures per case, then the first failures; exits 1 if any
 * trial failed.
 * Usage: CrashSoak SEEDS [CUTS_PER_SEED [DRAWS_PER_CUT]]; the first seed from FIRST_SEED (default 0).
 */
public final class CrashSoak {

    private CrashSoak() {
    }

    public static void main(String[] args) throws Exception {
        // Heals and torn-commit warnings are expected by the thousand here: the table says what matters.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
        int seeds = Integer.parseInt(args[0]);
        int cutsPerSeed = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int draws = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int firstSeed = Integer.parseInt(System.getenv().getOrDefault("FIRST_SEED", "0"));
        System.out.printf("%-8s %8s %8s %12s %8s %8s %10s%n", "format", "chunk", "device", "ops/transact", "trials",
                "torn", "failures");
        int failedTotal = 0;
        StringBuilder firstFailures = new StringBuilder();
        for (CrashTrials.Case kind : CrashTrials.CASES) {
            int trials = 0;
            int torn = 0;
            int failed = 0;
            for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
                CrashTrials crash = new CrashTrials(kind, 1000L + seed);
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
                                firstFailures.append(String.format("%s, seed %d, cut %d: %s%n", kind, seed, cut,
                                        outcome.failure()));
                            }
                        }
                    }
                }
            }
            failedTotal += failed;
            System.out.printf("%-8d %8d %8d %12d %8d %8d %10d%n", kind.version(), kind.chunkSize(),
                    kind.deviceBytes(), kind.operations(), trials, torn, failed);
        }
        System.out.print(firstFailures);
        System.exit(failedTotal == 0 ? 0 : 1);
    }
}
