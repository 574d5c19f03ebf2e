package org.snapshare.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the field tables of a format document (docs/FORMAT.md, docs/STREAM.md) for tests that hold them to code. */
public final class DocTables {

    private DocTables() {
    }

    /**
     * The rows "| offset | size | field |" of the table under {@code heading}
     * in {@code doc}: offset -> size. A size "16 x K" is K fields of 16 bytes:
     * its width per field. Rows whose offset or size is not a number ("...",
     * "2 + n") are left out.
     */
    public static Map<Integer, Integer> table(Path doc, String heading) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        int start = lines.indexOf(heading);
        assertTrue(start >= 0, doc + " has no heading " + heading);
        Map<Integer, Integer> rows = new LinkedHashMap<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("#"); i++) {
            String[] cells = lines.get(i).split("\\|");
            if (cells.length >= 4 && cells[1].trim().matches("\\d+") && cells[2].trim().matches("\\d+( x K)?")) {
                rows.put(Integer.parseInt(cells[1].trim()), Integer.parseInt(cells[2].trim().split(" ")[0]));
            }
        }
        return rows;
    }
}
