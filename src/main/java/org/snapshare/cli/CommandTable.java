package org.snapshare.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every command line the CLI takes, with what it does: the one list that
 * `--help` prints, each group's usage and the subcommands it names in its
 * errors are made from (ManPageTest holds the man page to it).
 */
final class CommandTable {

    /** A command line as the user types it, and what it does. */
    record Entry(String synopsis, String summary) {

        /** The group ("volume") or the command itself ("status"). */
        String group() {
            return synopsis.split(" ")[0];
        }

        /** The subcommand of a group ("create"), or "" for a command without one. */
        String verb() {
            String[] words = synopsis.split(" ");
            return words.length > 1 && words[1].matches("[a-z][a-z-]*") && GROUPS.contains(words[0]) ? words[1] : "";
        }
    }

    /** The commands with subcommands. */
    static final Set<String> GROUPS = Set.of("volume", "snapshot", "schedule", "replicate", "token");

    static final List<Entry> ENTRIES = List.of(
            new Entry("serve [--data-dir DIR] [--portal HOST:PORT] [--metrics HOST:PORT] [--api HOST:PORT]"
                    + " [--config FILE]", "run the server (foreground; SIGTERM stops it cleanly)"),
            new Entry("volume create NAME --size SIZE [--store-size SIZE] [--store-max-size SIZE]",
                    "create a volume and serve it at once; its store grows as needed"),
            new Entry("volume create NAME --origin-device PATH [--store-device PATH]", "... on raw block devices"),
            new Entry("volume clone NAME --from VOLUME@SNAPSHOT", "a new volume starting as a snapshot; it copies"
                    + " it in the background, then outlives it"),
            new Entry("volume list", "list volumes, sizes, sessions and targets"),
            new Entry("volume delete NAME [--force]", "delete a volume (--force disconnects sessions)"),
            new Entry("volume resize NAME --size SIZE", "grow a volume online (snapshots keep their size)"),
            new Entry("volume grow-store NAME", "adopt the new size of a store device grown with lvextend"),
            new Entry("snapshot create VOLUME NAME [--from SNAP]", "take a point-in-time snapshot of the origin (or of"
                    + " snapshot SNAP), served at once as VOLUME.NAME"),
            new Entry("snapshot list VOLUME [--json]", "list snapshots: parent, created, state, space owned,"
                    + " background work"),
            new Entry("snapshot reset VOLUME NAME [--force]", "the snapshot starts again as what its parent (the"
                    + " snapshot it was taken of, or the origin) holds now"),
            new Entry("snapshot delete VOLUME NAME [--force]", "delete a snapshot (space reclaimed in the"
                    + " background)"),
            new Entry("snapshot rollback VOLUME NAME [--no-wait]", "make the origin the snapshot's content, online"),
            new Entry("snapshot diff VOLUME FROM TO [--json]", "the byte runs that differ (TO may be 'origin'),"
                    + " from metadata alone"),
            new Entry("snapshot export VOLUME SNAPSHOT [--since BASE] [--output FILE] [--resume-from OFFSET]",
                    "write the snapshot (or what changed since BASE) as a stream"),
            new Entry("snapshot import VOLUME [--input FILE] [--force] [--resume]", "receive a stream: a full one"
                    + " creates VOLUME, an incremental one adds its snapshot to VOLUME (docs/STREAM.md)"),
            new Entry("snapshot hold VOLUME NAME", "keep a snapshot from being deleted (by anyone, or a schedule)"),
            new Entry("snapshot release VOLUME NAME", "let it be deleted again"),
            new Entry("schedule set VOLUME POLICY", "snapshot on a schedule with retention, e.g. \"every 1h keep 24;"
                    + " every 1d keep 7\" (docs/SCHEDULES.md)"),
            new Entry("schedule clear VOLUME", "stop a volume's schedule (its snapshots stay)"),
            new Entry("schedule list", "schedules, their snapshots, last success and failure"),
            new Entry("replicate set VOLUME --to URL --token-file FILE [--fingerprint SHA256] [--keep POLICY]",
                    "send each scheduled snapshot to another snapshare's API"),
            new Entry("replicate clear VOLUME", "stop replicating a volume"),
            new Entry("replicate list", "replications: last sent, lag, last failure"),
            new Entry("status", "show volumes, store use and background work"),
            new Entry("token create NAME --role admin|operator|viewer", "make an API token (printed once;"
                    + " docs/API.md)"),
            new Entry("token list", "list API tokens: name, role, created"),
            new Entry("token revoke NAME", "revoke an API token at once"),
            new Entry("scrub VOLUME [--rate SIZE] [--no-wait] [--status]", "read every metadata copy and copied"
                    + " chunk online, heal bad metadata copies, report what cannot be mended"),
            new Entry("check VOLUME", "check a volume's exception store (offline: server stopped)"),
            new Entry("repair VOLUME", "rebuild a damaged store from what is readable (offline); the snapshots"
                    + " that may have lost copies become invalid"));

    private CommandTable() {
    }

    /** A group's subcommands in the table's order, as its messages list them: "create, list or delete". */
    static String verbs(String group) {
        Set<String> verbs = new LinkedHashSet<>();
        ENTRIES.stream().filter(entry -> entry.group().equals(group)).forEach(entry -> verbs.add(entry.verb()));
        List<String> list = new ArrayList<>(verbs);
        return list.size() == 1 ? list.get(0)
                : String.join(", ", list.subList(0, list.size() - 1)) + " or " + list.get(list.size() - 1);
    }

    /** A group's usage line: every command line of it, after "usage: snapshare". */
    static String usage(String group) {
        List<String> lines = new ArrayList<>();
        ENTRIES.stream().filter(entry -> entry.group().equals(group))
                .forEach(entry -> lines.add(lines.isEmpty() ? entry.synopsis()
                        : entry.synopsis().substring(group.length() + 1)));
        return "usage: snapshare " + String.join(" | ", lines);
    }
}
