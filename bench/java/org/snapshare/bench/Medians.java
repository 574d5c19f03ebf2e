package org.snapshare.bench;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The median the benchmarks print: of several rounds, each taken after a warm-up the caller left out. */
public final class Medians {

    private Medians() {
    }

    /** The median of one figure of each round (the upper middle one for an even count). */
    public static <R> double of(List<R> rounds, ToDoubleFunction<R> figure) {
        return of(rounds.stream().mapToDouble(figure).toArray());
    }

    /** The median of {@code values} (the upper middle one for an even count). */
    public static double of(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
