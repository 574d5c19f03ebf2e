package org.snapshare.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The command table and the dispatch agree: every command line of `--help` is one the CLI takes. */
class CommandTableTest {

    @Test
    void everyCommandOfTheTableAnswersItsHelp() {
        for (CommandTable.Entry entry : CommandTable.ENTRIES) {
            String[] args = entry.verb().isEmpty() ? new String[] {entry.group(), "--help"}
                    : new String[] {entry.group(), entry.verb(), "--help"};
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, status, String.join(" ", args) + ": " + err.toString(StandardCharsets.UTF_8));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("usage: snapshare " + entry.group()),
                    String.join(" ", args) + " printed: " + out);
        }
    }
}
