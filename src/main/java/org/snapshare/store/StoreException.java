package org.snapshare.store;

import java.io.IOException;

/** The store cannot do what was asked; the message says why and what to do. */
public class StoreException extends IOException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }
}
