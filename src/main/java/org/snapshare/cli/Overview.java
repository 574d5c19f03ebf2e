package org.snapshare.cli;

/** `snapshare --help`: every command and option in one screen. */
final class Overview {

    private Overview() {
    }

    /** The overview of every command; ManPageTest holds packaging/snapshare.1 to it. */
    static final String TEXT = String.join("\n",
            "usage: snapshare <command> [options]",
            "",
            "Serves volumes and their snapshots over iSCSI.",
            "",
            "commands:",
            "  serve [--data-dir DIR] [--portal HOST:PORT] [--metrics HOST:PORT] [--api HOST:PORT] [--config FILE]",
            "                         run the server (foreground; SIGTERM stops it cleanly)",
            "  volume create NAME --size SIZE [--store-size SIZE] [--store-max-size SIZE]",
            "                                   create a volume and serve it at once; its store grows as needed",
            "  volume create NAME --origin-device PATH [--store-device PATH]   ... on raw block devices",
            "  volume list                      list volumes, sizes, sessions and targets",
            "  volume delete NAME [--force]     delete a volume (--force disconnects sessions)",
            "  volume resize NAME --size SIZE   grow a volume online (snapshots keep their size)",
            "  volume grow-store NAME           adopt the new size of a store device grown with lvextend",
            "  snapshot create VOLUME NAME      take a point-in-time snapshot, served at once as VOLUME.NAME",
            "  snapshot list VOLUME             list snapshots: created, state, space owned, background work",
            "  snapshot delete VOLUME NAME [--force]   delete a snapshot (space reclaimed in the background)",
            "  snapshot rollback VOLUME NAME [--no-wait]   make the origin the snapshot's content, online",
            "  snapshot diff VOLUME FROM TO [--json]   the byte runs that differ (TO may be 'origin'),",
            "                                   from metadata alone",
            "  snapshot export VOLUME SNAPSHOT [--since BASE] [--output FILE] [--resume-from OFFSET]",
            "                                   write the snapshot (or what changed since BASE) as a stream",
            "  snapshot import VOLUME [--input FILE] [--force] [--resume]",
            "                                   receive a stream: a full one creates VOLUME, an incremental",
            "                                   one adds its snapshot to VOLUME (docs/STREAM.md)",
            "  snapshot hold VOLUME NAME        keep a snapshot from being deleted (by anyone, or a schedule)",
            "  snapshot release VOLUME NAME     let it be deleted again",
            "  schedule set VOLUME POLICY       snapshot on a schedule with retention, e.g.",
            "                                   \"every 1h keep 24; every 1d keep 7\" (docs/SCHEDULES.md)",
            "  schedule clear VOLUME            stop a volume's schedule (its snapshots stay)",
            "  schedule list                    schedules, their snapshots, last success and failure",
            "  status                           show volumes, store use and background work",
            "  token create NAME --role admin|operator|viewer   make an API token (printed once; docs/API.md)",
            "  token list                       list API tokens: name, role, created",
            "  token revoke NAME                revoke an API token at once",
            "  scrub VOLUME [--rate SIZE] [--no-wait] [--status]   read every metadata copy and copied chunk",
            "                                   online, heal bad metadata copies, report what cannot be mended",
            "  check VOLUME                     check a volume's exception store (offline: server stopped)",
            "  repair VOLUME                    rebuild a damaged store from what is readable (offline); the",
            "                                   snapshots that may have lost copies become invalid",
            "",
            "Every command takes --data-dir DIR, --config FILE (default: $" + Commands.CONFIG_ENV + ", else the",
            "built-in defaults: data dir ./snapshare-data, portal 127.0.0.1:3260) and --help.",
            "Options: --version, --help.",
            "Exit status: 0 success, 1 failure, 2 wrong command line.");
}
