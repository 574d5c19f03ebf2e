package org.snapshare.iscsi.scsi;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text form a {@link SharedUnitState} takes in a {@link ReservationStore}:
 * a version line, then "aptpl 0|1", "generation N", one "key HEX PORT" line per
 * registration and, when reserved, "reservation TYPE HOLDER|-". A cluster's
 * state adds "legacy GROUP PORT" for an SPC-2 RESERVE and one
 * "attention SEQUENCE GROUP CODE PORT|*" line per shared unit attention; only
 * a state with such lines is version 2, so what one node keeps stays readable
 * by older builds.
 */
final class ReservationForm {

    private static final String FORMAT = "snapshare-reservations ";
    private static final String PERSISTENT_ONLY = FORMAT + 1;
    private static final String SHARED = FORMAT + 2;
    /** More lines than a state of MAX_REGISTRATIONS and kept attentions can have: the file is damaged. */
    private static final int MOST_LINES = 4 * Reservations.MAX_REGISTRATIONS;

    private ReservationForm() {
    }

    static String write(SharedUnitState shared) {
        ReservationState state = shared.reservations();
        boolean persistentOnly = shared.legacy() == null && shared.attentions().isEmpty();
        StringBuilder out = new StringBuilder(persistentOnly ? PERSISTENT_ONLY : SHARED).append('\n');
        out.append("aptpl ").append(state.aptpl() ? 1 : 0).append('\n');
        out.append("generation ").append(state.generation()).append('\n');
        state.keys().forEach((port, key) -> out.append("key ").append(Long.toHexString(key)).append(' ').append(port)
                .append('\n'));
        if (state.type() != 0) {
            out.append("reservation ").append(state.type()).append(' ')
                    .append(state.holder() == null ? "-" : state.holder()).append('\n');
        }
        if (shared.legacy() != null) {
            out.append("legacy ").append(shared.legacy().group()).append(' ').append(shared.legacy().port())
                    .append('\n');
        }
        for (SharedAttention attention : shared.attentions()) {
            out.append("attention ").append(attention.sequence()).append(' ').append(attention.group()).append(' ')
                    .append(attention.code().name()).append(' ')
                    .append(attention.port() == null ? "*" : attention.port()).append('\n');
        }
        return out.toString();
    }

    /** The state {@link #write} wrote; anything damaged is an error naming the line, never half read. */
    static SharedUnitState read(String form) throws IOException {
        String[] lines = form.split("\n");
        if (!lines[0].equals(PERSISTENT_ONLY) && !lines[0].equals(SHARED)) {
            throw new IOException("not a reservation state (first line '" + lines[0] + "')");
        }
        if (lines.length > MOST_LINES) {
            throw new IOException("damaged reservation state: " + lines.length + " lines, at most " + MOST_LINES);
        }
        boolean aptpl = true; // what a state kept for APTPL alone (before the line existed) means
        int generation = 0;
        Map<String, Long> keys = new LinkedHashMap<>();
        int type = 0;
        String holder = null;
        LegacyReservation legacy = null;
        List<SharedAttention> attentions = new ArrayList<>();
        try {
            for (int i = 1; i < lines.length; i++) {
                String[] words = lines[i].split(" ", 5);
                switch (words[0]) {
                    case "aptpl":
                        aptpl = words[1].equals("1");
                        break;
                    case "generation":
                        generation = Integer.parseInt(words[1]);
                        break;
                    case "key":
                        keys.put(lines[i].split(" ", 3)[2], Long.parseUnsignedLong(words[1], 16));
                        break;
                    case "reservation":
                        type = Integer.parseInt(words[1]);
                        holder = words[2].equals("-") ? null : words[2];
                        break;
                    case "legacy":
                        legacy = new LegacyReservation(lines[i].split(" ", 3)[2], Integer.parseInt(words[1]));
                        break;
                    case "attention":
                        attentions.add(new SharedAttention(Long.parseLong(words[1]), Integer.parseInt(words[2]),
                                SenseCode.valueOf(words[3]), words[4].equals("*") ? null : words[4]));
                        break;
                    default:
                        throw new IOException("line " + (i + 1) + " is not understood: " + lines[i]);
                }
            }
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            throw new IOException("damaged reservation state: " + e.getMessage(), e);
        }
        return new SharedUnitState(new ReservationState(aptpl, generation, keys, type, holder), legacy, attentions);
    }
}
