package org.snapshare.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Schedules: their text, when a snapshot is due, which ones the rules keep, the names by time. */
class SchedulePolicyTest {

    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

    @Test
    void theTextIsReadAndWrittenBack() throws Exception {
        SchedulePolicy policy = SchedulePolicy.parse("every 1h keep 24; every 1d keep 7;every 2W keep 4;");
        assertEquals("every 1h keep 24; every 1d keep 7; every 2w keep 4", policy.text());
        assertEquals(Duration.ofHours(1), policy.finest());
        assertEquals("every 90s keep 1", SchedulePolicy.parse("every 90s keep 1").text());
        for (String bad : new String[] {"", "every 1h", "every 0s keep 1", "every 1h keep 0", "every 1y keep 3",
                "every 400d keep 1", "every 1h keep 99999", "hourly", "every 1h keep 1; ; every x keep 2",
                "every 1s keep 1;".repeat(9)}) {
            ConfigException e = assertThrows(ConfigException.class, () -> SchedulePolicy.parse(bad), bad);
            assertTrue(e.getMessage().contains("units s, m, h, d, w"), e.getMessage());
        }
    }

    /** Simulates the server's ticks: a snapshot whenever one is due, then pruning to what the rules keep. */
    private static Set<Instant> run(SchedulePolicy policy, Instant from, Duration length, Duration tick) {
        Set<Instant> taken = new TreeSet<>();
        for (Instant now = from; now.isBefore(from.plus(length)); now = now.plus(tick)) {
            if (policy.due(taken, now)) {
                taken.add(now);
            }
            taken.retainAll(policy.kept(taken));
        }
        return taken;
    }

    @Test
    void everyTwoSecondsKeepThreeHoldsThreeAfterFifteenSeconds() throws Exception {
        Set<Instant> kept = run(SchedulePolicy.parse("every 2s keep 3"), T0, Duration.ofSeconds(15),
                Duration.ofSeconds(1));
        assertEquals(Set.of(T0.plusSeconds(10), T0.plusSeconds(12), T0.plusSeconds(14)), kept);
    }

    @Test
    void tiersKeepHourliesDailiesAndWeeklies() throws Exception {
        SchedulePolicy policy = SchedulePolicy.parse("every 1h keep 24; every 1d keep 7; every 1w keep 4");
        Set<Instant> kept = run(policy, T0, Duration.ofDays(60), Duration.ofMinutes(10));
        long hourly = kept.stream().filter(t -> t.isAfter(T0.plus(Duration.ofDays(59)))).count();
        assertTrue(hourly >= 23 && hourly <= 24, "the last day's hourlies: " + hourly);
        assertTrue(kept.size() <= 24 + 7 + 4, "at most one snapshot per kept slot: " + kept.size());
        assertTrue(kept.size() >= 24 + 7 - 1, "dailies and weeklies too: " + kept.size());
        assertTrue(kept.stream().anyMatch(t -> t.isBefore(T0.plus(Duration.ofDays(40)))), "a weekly a month back");
    }

    @Test
    void aMissedSlotIsTakenOnceNotReplayed() throws Exception {
        SchedulePolicy policy = SchedulePolicy.parse("every 1h keep 24");
        Set<Instant> taken = new TreeSet<>(Set.of(T0));
        Instant afterDowntime = T0.plus(Duration.ofHours(5)).plusSeconds(7);
        assertTrue(policy.due(taken, afterDowntime));
        taken.add(afterDowntime);
        assertFalse(policy.due(taken, afterDowntime.plusSeconds(60)), "one snapshot for the missed hours");
    }

    @Test
    void namesCarryTheTimeAndSortByIt() throws Exception {
        String name = AutoSnapshotNames.name(Instant.parse("2026-12-04T10:00:02.750Z"));
        assertEquals("auto-20261204t100002z", name);
        VolumeNames.checkSnapshot(name);
        assertEquals(Optional.of(Instant.parse("2026-12-04T10:00:02Z")), AutoSnapshotNames.taken(name));
        assertEquals(Optional.empty(), AutoSnapshotNames.taken("auto-yesterday"));
        assertEquals(Optional.empty(), AutoSnapshotNames.taken("nightly"));
        assertTrue(name.compareTo(AutoSnapshotNames.name(Instant.parse("2026-12-04T10:00:03Z"))) < 0);
    }
}
