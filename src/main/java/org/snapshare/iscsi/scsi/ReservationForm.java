package org.snapshare.iscsi.scsi;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The text form a {@link ReservationState} takes in a {@link ReservationStore}:
 * a version line, then "aptpl 0|1", "generation N", one "key HEX PORT" line per
 * registration and, when reserved, "reservation TYPE HOLDER|-".
 */
final class ReservationForm {

    private static final String FORMAT = "snapshare-reservations 1";

    private ReservationForm() {
    }

    static String write(ReservationState state) {
        StringBuilder out = new StringBuilder(FORMAT).append('\n');
        out.append("aptpl ").append(state.aptpl() ? 1 : 0).append('\n');
        out.append("generation ").append(state.generation()).append('\n');
        state.keys().forEach((port, key) -> out.append("key ").append(Long.toHexString(key)).append(' ').append(port)
                .append('\n'));
        if (state.type() != 0) {
            out.append("reservation ").append(state.type()).append(' ')
                    .append(state.holder() == null ? "-" : state.holder()).append('\n');
        }
        return out.toString();
    }

    /** The state {@link #write} wrote; anything damaged is an error naming the line, never half read. */
    static ReservationState read(String form) throws IOException {
        String[] lines = form.split("\n");
        if (!lines[0].equals(FORMAT)) {
            throw new IOException("not a reservation state (first line '" + lines[0] + "')");
        }
        boolean aptpl = true; // what a state kept for APTPL alone (before the line existed) means
        int generation = 0;
        Map<String, Long> keys = new LinkedHashMap<>();
        int type = 0;
        String holder = null;
        try {
            for (int i = 1; i < lines.length; i++) {
                String[] words = lines[i].split(" ", 3);
                switch (words[0]) {
                    case "aptpl":
                        aptpl = words[1].equals("1");
                        break;
                    case "generation":
                        generation = Integer.parseInt(words[1]);
                        break;
                    case "key":
                        keys.put(words[2], Long.parseUnsignedLong(words[1], 16));
                        break;
                    case "reservation":
                        type = Integer.parseInt(words[1]);
                        holder = words[2].equals("-") ? null : words[2];
                        break;
                    default:
                        throw new IOException("line " + (i + 1) + " is not understood: " + lines[i]);
                }
            }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new IOException("damaged reservation state: " + e.getMessage(), e);
        }
        return new ReservationState(aptpl, generation, keys, type, holder);
    }
}
