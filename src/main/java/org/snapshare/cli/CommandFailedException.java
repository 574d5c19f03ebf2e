package org.snapshare.cli;

/** The command was well-formed but could not be carried out; exit status 1. */
final class CommandFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    CommandFailedException(String message) {
        super(message);
    }
}
