package org.snapshare.iscsi;

/** The initiator broke the protocol badly enough that the connection must end. */
final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
        super(message);
    }
}
