package org.snapshare.appliance;

/** A configuration or request the user must correct; the message says what and how. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What kind of correction the request needs (the API's status code follows it). */
    public enum Reason {
        /** A value is malformed or out of range. */
        INVALID,
        /** It names a volume (or other thing) that does not exist. */
        NOT_FOUND,
        /** It clashes with the present state (a name taken, sessions in the way). */
        CONFLICT
    }

    private final Reason reason;

    public ConfigException(String message) {
        this(Reason.INVALID, message);
    }

    public ConfigException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
