package org.snapshare.appliance;

/** A configuration or request the user must correct; the message says what and how. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
