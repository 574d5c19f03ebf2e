package org.snapshare.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snapshare.appliance.Advice;
import org.snapshare.appliance.ApplianceConfig;
import org.snapshare.appliance.ConfigException;
import org.snapshare.store.Remedy;

/**
 * The remedies the lower layers name, in the CLI's words: every command the
 * advice tells a user to run is one the CLI has (with the options it names),
 * and every setting it names is a config key.
 */
class AdviceTest {

    private static final Pattern COMMAND = Pattern.compile("`snapshare ([^`]+)`");
    private static final Pattern SETTING = Pattern.compile("\\b[a-z]+(?:-[a-z]+)+\\b");

    @TempDir
    Path dir;

    @Test
    void everyCommandAdvisedIsInTheCommandTable() {
        int commands = 0;
        for (Remedy remedy : Remedy.values()) {
            String words = Advice.words(remedy, "vol1");
            assertNotEquals(remedy.plainWords(), words, remedy + " has the CLI's words");
            Matcher command = COMMAND.matcher(words);
            while (command.find()) {
                commands++;
                List<String> typed = List.of(command.group(1).split(" "));
                String group = typed.get(0);
                String verb = CommandTable.GROUPS.contains(group) ? typed.get(1) : "";
                CommandTable.Entry entry = CommandTable.ENTRIES.stream()
                        .filter(e -> e.group().equals(group) && e.verb().equals(verb)).findFirst()
                        .orElseThrow(() -> new AssertionError(remedy + " advises `" + command.group(1)
                                + "`, which the CLI does not have"));
                typed.stream().filter(word -> word.startsWith("--")).forEach(option -> assertTrue(
                        entry.synopsis().contains(option), remedy + " advises " + option + ", not an option of "
                                + entry.synopsis()));
                assertTrue(typed.contains("vol1"), remedy + " names the volume it was given: " + words);
            }
        }
        assertTrue(commands >= 8, "found the advised commands: " + commands);
    }

    @Test
    void everySettingAdvisedIsAConfigKey() throws IOException, ConfigException {
        int settings = 0;
        for (Remedy remedy : Remedy.values()) {
            Matcher setting = SETTING.matcher(COMMAND.matcher(Advice.words(remedy, "vol1")).replaceAll(""));
            while (setting.find()) {
                settings++;
                Path config = Files.writeString(dir.resolve(remedy + ".conf"), setting.group() + " = 1\n");
                ApplianceConfig.defaults().withFile(config); // refuses a key it does not know
            }
        }
        assertTrue(settings >= 2, "found the advised settings: " + settings);
    }

    @Test
    void theLowerLayersSpeakNoCommandOfTheirOwn() {
        for (Remedy remedy : Remedy.values()) {
            assertFalse(remedy.plainWords().contains("snapshare") || remedy.plainWords().contains("`"),
                    remedy + ": " + remedy.plainWords());
        }
    }
}
