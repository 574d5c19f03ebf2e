package org.snapshare.appliance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.snapshare.control.ControlProtocol;

/**
 * One request on the control socket: its arguments, the stream the client
 * may send after them (import), and the way to answer with a stream (export).
 */
final class ControlExchange {

    final List<String> request;
    private final InputStream body;
    private final OutputStream out;
    private OutputStream stream;

    ControlExchange(List<String> request, InputStream body, OutputStream out) {
        this.request = request;
        this.body = body;
        this.out = out;
    }

    /** What the client sends after the request, to its end. */
    InputStream body() {
        return body;
    }

    /** Starts answering with a stream; the handler's response then only ends it (success or the error). */
    OutputStream openStream() throws IOException {
        if (stream == null) {
            stream = ControlProtocol.openStream(out);
        }
        return stream;
    }

    boolean streaming() {
        return stream != null;
    }
}
