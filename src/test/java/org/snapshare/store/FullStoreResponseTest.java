package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.snapshare.device.FaultInjectingDevice;

/** What a full store says when it refuses copies under the fail-writes policy. */
class FullStoreResponseTest {

    private static final int CHUNK = 4096;

    /**
     * Every origin write that needs a copy fails while the store is full: an
     * initiator retrying, or a busy volume, would write one ERROR line per
     * refused write (thousands a second). Each is refused; the first is
     * reported at once, the rest counted into the next report.
     */
    @Test
    void refusedCopiesAreEachRefusedButReportedOnce() throws Exception {
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        Logger log = (Logger) LoggerFactory.getLogger(FullStoreResponse.class);
        events.start();
        log.addAppender(events);
        FaultInjectingDevice device = new FaultInjectingDevice(512 * CHUNK);
        SharedExceptionStore.format(device, CHUNK, 1024L * CHUNK);
        try (SharedExceptionStore store = SharedExceptionStore.open(device, 1 << 20, StoreFullPolicy.FAIL_WRITES)) {
            long a = store.createSnapshot("a").id();
            IdRange ids = new IdRange(a, a);
            int refused = 0;
            for (int chunk = 0; chunk < 1024; chunk++) {
                try {
                    store.addCopy(new ExceptionEntry(chunk, a, a, store.allocateCopy(ids).orElseThrow()));
                } catch (StoreFullException full) {
                    refused++;
                }
            }
            assertTrue(refused > 500, "the store filled half-way: " + refused + " copies refused");
            assertThrows(StoreFullException.class, () -> store.allocateCopy(ids));
            List<ILoggingEvent> reports = events.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
            assertEquals(1, reports.size(), () -> "one report, not one per refused copy: " + reports);
            assertTrue(reports.get(0).getFormattedMessage().contains("is full"), reports.get(0)::getFormattedMessage);
        } finally {
            log.detachAppender(events);
        }
    }
}
