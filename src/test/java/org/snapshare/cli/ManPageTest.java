package org.snapshare.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The man page the package installs names every command and option that `snapshare --help` does. */
class ManPageTest {

    private static final Path MAN_PAGE = Path.of("packaging", "snapshare.1");

    /** "volume create" of "  volume create NAME --size SIZE": the lower-case words that start a command line. */
    private static List<String> commands() {
        List<String> commands = new ArrayList<>();
        for (String line : Overview.TEXT.split("\n")) {
            if (!line.startsWith("  ") || line.startsWith("   ")) {
                continue; // not a command line, or its continuation
            }
            Matcher words = Pattern.compile("^  ([a-z][a-z-]*(?: [a-z][a-z-]*)?)").matcher(line);
            if (words.find()) {
                commands.add(words.group(1));
            }
        }
        return commands;
    }

    private static Set<String> options() {
        Set<String> options = new LinkedHashSet<>();
        Matcher option = Pattern.compile("--[a-z][a-z-]*").matcher(Overview.TEXT);
        while (option.find()) {
            options.add(option.group());
        }
        return options;
    }

    /** groff writes a hyphen that must stay one as \-. */
    private static String groff(String text) {
        return text.replace("-", "\\-");
    }

    @Test
    void everyCommandHasASynopsisLineAndAnEntry() throws Exception {
        String page = Files.readString(MAN_PAGE, StandardCharsets.UTF_8);
        List<String> commands = commands();
        assertTrue(commands.size() >= 15, "the overview's commands were not found: " + commands);
        for (String command : commands) {
            assertTrue(page.contains(".B snapshare " + groff(command) + "\n"), "no synopsis line for " + command);
            String name = groff(command);
            assertTrue(page.contains("\n.TP\n.B " + name + "\n") || page.contains("\n.TP\n.BI \"" + name + " \""),
                    "no entry in COMMANDS for " + command);
        }
    }

    @Test
    void everyOptionOfTheOverviewIsInThePage() throws Exception {
        String page = Files.readString(MAN_PAGE, StandardCharsets.UTF_8);
        for (String option : options()) {
            assertTrue(page.contains(groff(option)), "the man page does not mention " + option);
        }
    }
}
