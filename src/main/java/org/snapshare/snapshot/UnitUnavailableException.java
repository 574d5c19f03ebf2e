package org.snapshare.snapshot;

import java.io.IOException;

/**
 * The unit cannot serve the command now, but can soon or through another
 * path: the volume's cluster lock is held by another node that did not hand
 * it over in time, or this node lost it. Nothing was changed. The iSCSI
 * layer reports it as a retryable NOT READY (asymmetric access state
 * transition), never as a medium error.
 */
public final class UnitUnavailableException extends IOException {

    private static final long serialVersionUID = 1L;

    public UnitUnavailableException(String message) {
        super(message);
    }

    public UnitUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
