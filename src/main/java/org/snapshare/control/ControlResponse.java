package org.snapshare.control;

/** What the server answered: success or failure, and text for the user. */
public final class ControlResponse {

    public final boolean ok;
    public final String text;

    public ControlResponse(boolean ok, String text) {
        this.ok = ok;
        this.text = text.isEmpty() || text.endsWith("\n") ? text : text + "\n";
    }

    public static ControlResponse ok(String text) {
        return new ControlResponse(true, text);
    }

    public static ControlResponse error(String text) {
        return new ControlResponse(false, text);
    }
}
