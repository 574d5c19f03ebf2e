package org.snapshare.stream;

/** How far one import is, for `status`: written by the import's thread, read by others. */
final class ImportProgress {

    volatile StreamHeader header;
    volatile String phase = "starting";
    volatile long bytes;

    @Override
    public String toString() {
        StreamHeader stream = header;
        String of = stream == null ? "" : " of snapshot " + stream.snapshot()
                + stream.base().map(base -> " since " + base.name()).orElse(" (full)");
        return "import" + of + ": " + phase + ", " + (bytes >> 20) + " MiB"
                + (stream == null ? "" : " of at most " + (stream.coveredBytes() >> 20) + " MiB");
    }
}
