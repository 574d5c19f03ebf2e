package org.snapshare.cli;

/** `snapshare --help`: every command and option in one screen. */
final class Overview {

    private Overview() {
    }

    private static final int SUMMARY_COLUMN = 35;
    private static final int WIDTH = 100;

    /** The overview of every command; ManPageTest holds packaging/snapshare.1 to it. */
    static final String TEXT = String.join("\n",
            "usage: snapshare <command> [options]",
            "",
            "Serves volumes and their snapshots over iSCSI.",
            "",
            "commands:",
            commands(),
            "",
            "Every command takes --data-dir DIR, --config FILE (default: $" + Commands.CONFIG_ENV + ", else the",
            "built-in defaults: data dir ./snapshare-data, portal 127.0.0.1:3260) and --help.",
            "Options: --version, --help.",
            "Exit status: 0 success, 1 failure, 2 wrong command line.");

    /** Each command line, its summary beside it where it fits, else below; summaries wrapped at the width. */
    private static String commands() {
        StringBuilder out = new StringBuilder();
        for (CommandTable.Entry entry : CommandTable.ENTRIES) {
            String line = "  " + entry.synopsis();
            if (line.length() < SUMMARY_COLUMN - 1) {
                line = String.format("%-" + SUMMARY_COLUMN + "s", line);
            } else {
                out.append(line).append('\n');
                line = " ".repeat(SUMMARY_COLUMN);
            }
            for (String word : entry.summary().split(" ")) {
                if (line.length() + word.length() + 1 > WIDTH && !line.isBlank()) {
                    out.append(line.stripTrailing()).append('\n');
                    line = " ".repeat(SUMMARY_COLUMN);
                }
                line += (line.endsWith(" ") ? "" : " ") + word;
            }
            out.append(line).append('\n');
        }
        return out.toString().stripTrailing();
    }
}
