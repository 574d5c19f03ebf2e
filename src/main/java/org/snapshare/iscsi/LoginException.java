package org.snapshare.iscsi;

/** A login that must be refused, with the RFC 7143 status class and detail to send. */
final class LoginException extends Exception {
    private static final long serialVersionUID = 1L;

    final int statusClass;
    final int statusDetail;

    private LoginException(int statusClass, int statusDetail, String message) {
        super(message);
        this.statusClass = statusClass;
        this.statusDetail = statusDetail;
    }

    static LoginException initiatorError(String message) {
        return new LoginException(2, 0x00, message);
    }

    static LoginException authenticationFailed(String message) {
        return new LoginException(2, 0x01, message);
    }

    static LoginException notFound(String message) {
        return new LoginException(2, 0x03, message);
    }

    static LoginException targetRemoved(String message) {
        return new LoginException(2, 0x04, message);
    }

    static LoginException unsupportedVersion(String message) {
        return new LoginException(2, 0x05, message);
    }

    static LoginException missingParameter(String message) {
        return new LoginException(2, 0x07, message);
    }

    static LoginException sessionDoesNotExist(String message) {
        return new LoginException(2, 0x0a, message);
    }
}
