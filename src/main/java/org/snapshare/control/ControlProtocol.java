package org.snapshare.control;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The control socket's wire format. A request is a line with the argument
 * count, then one argument per line; a request that sends a stream (import)
 * follows them with the stream's bytes until the client shuts its side.
 * A response is "OK" or "ERROR" on the first line, then the text to show the
 * user; or "STREAM", then frames (a 4-byte length and that many bytes), ended
 * by a frame of length 0 (success) or -1 followed by the error's text.
 */
public final class ControlProtocol {

    public static final String SOCKET_NAME = "control.sock";
    static final String STREAM = "STREAM";
    private static final int MAX_LINE = 64 << 10;
    static final String NO_ANSWER = "the server closed the connection without an answer: it stopped or failed (see"
            + " its log); an import it was receiving can be continued with --resume";

    private ControlProtocol() {
    }

    /** The socket of the server on {@code dataDir}; in a cluster each node has its own: control-NODE.sock. */
    public static Path socketPath(Path dataDir, Optional<String> clusterNode) {
        return dataDir.resolve(clusterNode.map(node -> "control-" + node + ".sock").orElse(SOCKET_NAME));
    }

    public static void writeRequest(OutputStream out, List<String> arguments) throws IOException {
        StringBuilder text = new StringBuilder().append(arguments.size()).append('\n');
        for (String argument : arguments) {
            if (argument.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("arguments cannot contain line breaks");
            }
            text.append(argument).append('\n');
        }
        out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads the request's lines and no byte more: a stream may follow them. */
    public static List<String> readRequest(InputStream in) throws IOException {
        String count = readLine(in);
        if (count == null) {
            throw new IOException("empty control request");
        }
        int n;
        try {
            n = Integer.parseInt(count.trim());
        } catch (NumberFormatException e) {
            throw new IOException("malformed control request header '" + count + "'");
        }
        if (n < 0 || n > 64) {
            throw new IOException("control request with " + n + " arguments");
        }
        List<String> arguments = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String argument = readLine(in);
            if (argument == null) {
                throw new IOException("truncated control request");
            }
            arguments.add(argument);
        }
        return arguments;
    }

    /** One UTF-8 line without its '\n', read a byte at a time; null at the end of input. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("control line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    public static void writeResponse(OutputStream out, ControlResponse response) throws IOException {
        out.write(((response.ok ? "OK" : "ERROR") + "\n" + response.text).getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Starts a STREAM response: what is written to the result travels in frames. */
    public static OutputStream openStream(OutputStream out) throws IOException {
        out.write((STREAM + "\n").getBytes(StandardCharsets.UTF_8));
        DataOutputStream frames = new DataOutputStream(out);
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                if (length > 0) {
                    frames.writeInt(length);
                    frames.write(bytes, offset, length);
                }
            }
        };
    }

    /** Ends a STREAM response: a frame of 0 for success, or -1 and the error's text. */
    public static void endStream(OutputStream out, ControlResponse response) throws IOException {
        DataOutputStream frames = new DataOutputStream(out);
        frames.writeInt(response.ok ? 0 : -1);
        if (!response.ok) {
            frames.write(response.text.getBytes(StandardCharsets.UTF_8));
        }
        frames.flush();
    }

    /**
     * Reads a response; a STREAM response's bytes go to {@code sink} as they
     * arrive, and its result (empty text, or the error) is returned.
     */
    public static ControlResponse readResponse(InputStream in, OutputStream sink) throws IOException {
        String status = readLine(in);
        if (status == null) {
            throw new IOException(NO_ANSWER);
        }
        if (STREAM.equals(status)) {
            return readFrames(new DataInputStream(in), sink);
        }
        if (!"OK".equals(status) && !"ERROR".equals(status)) {
            throw new IOException("malformed control response status '" + status + "'");
        }
        return new ControlResponse("OK".equals(status), new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }

    private static ControlResponse readFrames(DataInputStream in, OutputStream sink) throws IOException {
        byte[] buffer = new byte[1 << 20];
        while (true) {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException e) {
                throw new IOException("the server stopped in the middle of the stream (see its log)", e);
            }
            if (length == 0) {
                return ControlResponse.ok("");
            }
            if (length < 0) {
                return ControlResponse.error(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            for (int left = length; left > 0; ) {
                int n = in.read(buffer, 0, Math.min(left, buffer.length));
                if (n < 0) {
                    throw new IOException("the server stopped in the middle of the stream (see its log)");
                }
                sink.write(buffer, 0, n);
                left -= n;
            }
        }
    }
}
