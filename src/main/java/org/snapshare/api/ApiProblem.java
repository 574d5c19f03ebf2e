package org.snapshare.api;

/**
 * A request refused by the API layer itself (no token, a wrong role, a bad
 * body, too many failed sign-ins), answered as problem+json (RFC 9457).
 */
final class ApiProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String title;
    /** Seconds to wait before trying again (429), or 0. */
    final long retryAfterSeconds;

    ApiProblem(int status, String title, String detail) {
        this(status, title, detail, 0);
    }

    ApiProblem(int status, String title, String detail, long retryAfterSeconds) {
        super(detail);
        this.status = status;
        this.title = title;
        this.retryAfterSeconds = retryAfterSeconds;
    }
}
