package org.snapshare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Keeps every main source file readable in one sitting: a file past the limit has more than one job. */
class MainFileSizeTest {

    static final int MAX_LINES = 600;

    @Test
    void noMainFileIsOverTheLimit() throws IOException {
        List<String> tooLong = new ArrayList<>();
        int files = 0;
        try (Stream<Path> walk = Files.walk(Path.of("src/main/java"))) {
            for (Path file : walk.filter(f -> f.toString().endsWith(".java")).toList()) {
                files++;
                long lines = Files.readAllLines(file).size();
                if (lines > MAX_LINES) {
                    tooLong.add(file + ": " + lines + " lines");
                }
            }
        }
        assertTrue(files > 100, "walked the main sources: " + files + " files");
        assertEquals(List.of(), tooLong, "split these along their seams (docs/STORE.md, 'Layers', shows how)");
    }
}
