package org.snapshare.appliance;

import org.snapshare.snapshot.ChangedRun;
import org.snapshare.snapshot.VolumeDiff;

/** `snapshot diff` for people (a summary, then one run per line) and for programs (--json). */
final class DiffReport {

    /** The name that stands for the volume's origin as the newer side of a diff. */
    static final String ORIGIN = "origin";

    private DiffReport() {
    }

    static String text(String volume, String from, String to, VolumeDiff diff) {
        StringBuilder text = new StringBuilder();
        text.append("# volume ").append(volume).append(", from ").append(from).append(" to ").append(to).append(": ")
                .append(diff.runs().size()).append(" run(s), ").append(Sizes.format(diff.changedBytes()))
                .append(" of ").append(Sizes.format(diff.sizeBytes())).append(" changed\n")
                .append("# OFFSET LENGTH KIND (bytes; zeros: unmapped, reads zeros)\n");
        for (ChangedRun run : diff.runs()) {
            text.append(run.offset()).append(' ').append(run.length()).append(' ')
                    .append(run.zeros() ? "zeros" : "data").append('\n');
        }
        return text.toString();
    }

    static String json(DiffRuns runs) {
        return Json.line(runs);
    }
}
