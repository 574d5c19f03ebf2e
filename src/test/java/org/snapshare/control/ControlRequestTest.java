package org.snapshare.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Control requests carry only the options given, by name, and arrive as they left. */
class ControlRequestTest {

    @Test
    void aRequestArrivesAsItLeft() {
        ControlRequest sent = ControlRequest.of("volume", "create", "web").with("size", Optional.of("1048576"))
                .with("store-size", Optional.empty()).withFlag("force", true).withFlag("json", false);
        assertEquals(List.of("volume", "create", "web", "--force=", "--size=1048576"), sent.encode());
        ControlRequest received = ControlRequest.decode(sent.encode());
        assertEquals("volume create", received.command());
        assertEquals(List.of("web"), received.names(1));
        assertEquals(Optional.of("1048576"), received.option("size"));
        assertEquals(Optional.empty(), received.option("store-size"));
        assertTrue(received.flag("force"));
        assertFalse(received.flag("json"));
        assertEquals(Optional.of("every 1h keep 2; every 1d keep 7"), ControlRequest.decode(ControlRequest
                .of("schedule", "set", "v").with("keep", Optional.of("every 1h keep 2; every 1d keep 7")).encode())
                .option("keep"), "an option's value may hold spaces, ';' and '='");
        assertEquals("status", ControlRequest.decode(List.of("status")).command());
    }

    @Test
    void malformedRequestsAreRefusedWithWhatWasWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ControlRequest.decode(
                List.of("volume", "delete", "a", "b")).names(1)).getMessage().contains("takes 1 name(s)"));
        assertThrows(IllegalArgumentException.class, () -> ControlRequest.decode(List.of("volume", "list", "--x")));
        assertThrows(IllegalArgumentException.class, () -> ControlRequest.decode(
                List.of("volume", "delete", "--force=", "a")));
    }
}
