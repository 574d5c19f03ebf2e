package org.snapshare.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Power cuts checked from outside over many seeds (bench/power-cut-soak.sh): each seed records its
 * own run of the packaged server ({@link PowerCutTrial}) and checks several cut images of it. Prints
 * a line per seed and a total, then the failures; exits 1 if any image failed.
 * Usage: PowerCutSoak SEEDS [CUTS_PER_SEED [OPERATIONS]]; the jar from SNAPSHARE_JAR, the first seed from
 * FIRST_SEED (default 1: set it to explore seeds earlier soaks did not run).
 */
public final class PowerCutSoak {

    private PowerCutSoak() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("snapshare.jar", System.getenv().getOrDefault("SNAPSHARE_JAR", "target/snapshare.jar"));
        int seeds = Integer.parseInt(args[0]);
        int cuts = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int operations = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        int firstSeed = Integer.parseInt(System.getenv().getOrDefault("FIRST_SEED", "1"));
        System.out.printf("jar %s, %d seeds from %d x %d cuts, %d operations a run%n",
                System.getProperty("snapshare.jar"), seeds, firstSeed, cuts, operations);
        System.out.printf("%6s %6s %8s %8s %8s %8s %9s %9s %9s%n", "seed", "cuts", "failed", "pages", "snaps",
                "imports", "punches", "growths", "copies");
        List<String> failures = new ArrayList<>();
        int images = 0;
        int failedImages = 0;
        for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
            Path work = Files.createTempDirectory("power-cut-soak");
            PowerCutTrial.Report report;
            try {
                report = new PowerCutTrial(work, seed).run(operations, cuts);
            } catch (Throwable e) { // a run that could not finish counts as failed in every cut
                report = new PowerCutTrial.Report(cuts, 0, java.util.Collections.nCopies(cuts, "seed " + seed
                        + ": " + e), 0, 0, 0, java.util.Map.of());
            }
            if (report.failures().isEmpty()) {
                PowerCutTrial.deleteTree(work);
            }
            images += report.cuts();
            failedImages += report.failures().size();
            failures.addAll(report.failures());
            System.out.printf("%6d %6d %8d %8d %8d %8d %9d %9d %9d%n", seed, report.cuts(), report.failures().size(),
                    report.drawnPages(), report.snapshotsCreated(), report.imports(),
                    report.changes().getOrDefault("origin.img punch", 0),
                    report.changes().getOrDefault("store.img grow", 0),
                    report.changes().getOrDefault("store.img write", 0));
        }
        System.out.printf("total: %d images, %d failed%n", images, failedImages);
        failures.stream().limit(20).forEach(f -> System.out.println(f.length() > 600 ? f.substring(0, 600) + "..." : f));
        System.exit(failedImages == 0 ? 0 : 1);
    }
}
