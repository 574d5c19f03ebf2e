package org.snapshare.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The control socket's wire format. A request is a line with the argument
 * count, then one argument per line. A response is "OK" or "ERROR" on the
 * first line, then the text to show the user.
 */
public final class ControlProtocol {

    public static final String SOCKET_NAME = "control.sock";

    private ControlProtocol() {
    }

    /** The socket of the server on {@code dataDir}; in a cluster each node has its own: control-NODE.sock. */
    public static Path socketPath(Path dataDir, java.util.Optional<String> clusterNode) {
        return dataDir.resolve(clusterNode.map(node -> "control-" + node + ".sock").orElse(SOCKET_NAME));
    }

    public static void writeRequest(Writer out, List<String> arguments) throws IOException {
        out.write(arguments.size() + "\n");
        for (String argument : arguments) {
            if (argument.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("arguments cannot contain line breaks");
            }
            out.write(argument + "\n");
        }
        out.flush();
    }

    public static List<String> readRequest(BufferedReader in) throws IOException {
        String count = in.readLine();
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
            String argument = in.readLine();
            if (argument == null) {
                throw new IOException("truncated control request");
            }
            arguments.add(argument);
        }
        return arguments;
    }

    public static void writeResponse(Writer out, ControlResponse response) throws IOException {
        out.write((response.ok ? "OK" : "ERROR") + "\n");
        out.write(response.text);
        out.flush();
    }

    public static ControlResponse readResponse(BufferedReader in) throws IOException {
        String status = in.readLine();
        if (!"OK".equals(status) && !"ERROR".equals(status)) {
            throw new IOException("malformed control response status '" + status + "'");
        }
        StringBuilder text = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            text.append(line).append('\n');
        }
        return new ControlResponse("OK".equals(status), text.toString());
    }
}
