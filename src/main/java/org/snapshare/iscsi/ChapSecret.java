package org.snapshare.iscsi;

/** A CHAP name and secret. {@link #toString()} never shows the secret, so it cannot reach a log. */
public record ChapSecret(String user, String secret) {

    @Override
    public String toString() {
        return "ChapSecret[user=" + user + ", secret=(hidden)]";
    }
}
