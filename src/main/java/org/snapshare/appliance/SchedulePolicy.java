package org.snapshare.appliance;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A volume's snapshot schedule with retention (docs/SCHEDULES.md), as
 * "every 1h keep 24; every 1d keep 7; every 1w keep 4". Each rule cuts time
 * (UTC, from the epoch) into slots of its interval; a snapshot is due when
 * the present slot of any rule has none yet, and a rule keeps the oldest
 * snapshot of each of its newest {@code keep} slots that have one. A
 * snapshot stays while any rule keeps it.
 */
public record SchedulePolicy(List<Rule> rules) {

    /** Snapshots every {@code interval}, the newest {@code keep} kept. */
    public record Rule(Duration interval, int keep) {
    }

    static final int MAX_RULES = 8;
    static final int MAX_KEEP = 10_000;
    static final Duration MAX_INTERVAL = Duration.ofDays(366);
    private static final Pattern RULE = Pattern.compile("every\\s+([0-9]{1,6})\\s*([smhdw])\\s+keep\\s+([0-9]{1,5})");
    private static final Map<String, Duration> UNITS = Map.of("s", Duration.ofSeconds(1), "m", Duration.ofMinutes(1),
            "h", Duration.ofHours(1), "d", Duration.ofDays(1), "w", Duration.ofDays(7));

    public static SchedulePolicy parse(String text) throws ConfigException {
        List<Rule> rules = new ArrayList<>();
        for (String part : text.split(";")) {
            String rule = part.strip().toLowerCase(Locale.ROOT);
            if (rule.isEmpty()) {
                continue;
            }
            Matcher match = RULE.matcher(rule);
            if (!match.matches()) {
                throw invalid(text, "'" + part.strip() + "' is not 'every N UNIT keep K'");
            }
            Duration interval = UNITS.get(match.group(2)).multipliedBy(Long.parseLong(match.group(1)));
            int keep = Integer.parseInt(match.group(3));
            if (interval.isZero() || interval.compareTo(MAX_INTERVAL) > 0) {
                throw invalid(text, "an interval is 1s to 366d");
            }
            if (keep < 1 || keep > MAX_KEEP) {
                throw invalid(text, "keep is 1 to " + MAX_KEEP);
            }
            rules.add(new Rule(interval, keep));
        }
        if (rules.isEmpty() || rules.size() > MAX_RULES) {
            throw invalid(text, "a schedule has 1 to " + MAX_RULES + " rules");
        }
        return new SchedulePolicy(List.copyOf(rules));
    }

    private static ConfigException invalid(String text, String why) {
        return new ConfigException("schedule '" + text + "': " + why + "; e.g. \"every 1h keep 24; every 1d keep 7;"
                + " every 1w keep 4\" (units s, m, h, d, w)");
    }

    /** Whether a snapshot is due at {@code now}, given when the volume's scheduled snapshots were taken. */
    public boolean due(Set<Instant> taken, Instant now) {
        for (Rule rule : rules) {
            long slot = slot(rule, now);
            if (taken.stream().noneMatch(time -> slot(rule, time) == slot)) {
                return true;
            }
        }
        return false;
    }

    /** The scheduled snapshots (by time taken) the rules keep; the others may be pruned. */
    public Set<Instant> kept(Set<Instant> taken) {
        Set<Instant> kept = new TreeSet<>();
        for (Rule rule : rules) {
            TreeMap<Long, Instant> oldestBySlot = new TreeMap<>();
            for (Instant time : taken) {
                oldestBySlot.merge(slot(rule, time), time, (a, b) -> a.isBefore(b) ? a : b);
            }
            int count = 0;
            for (Instant oldest : oldestBySlot.descendingMap().values()) {
                if (count++ == rule.keep()) {
                    break;
                }
                kept.add(oldest);
            }
        }
        return kept;
    }

    private static long slot(Rule rule, Instant time) {
        return Math.floorDiv(time.getEpochSecond(), rule.interval().getSeconds());
    }

    /** The canonical text: "every 1h keep 24; every 1d keep 7". */
    public String text() {
        List<String> parts = new ArrayList<>();
        for (Rule rule : rules) {
            parts.add("every " + unitText(rule.interval()) + " keep " + rule.keep());
        }
        return String.join("; ", parts);
    }

    private static String unitText(Duration interval) {
        long seconds = interval.getSeconds();
        for (String unit : List.of("w", "d", "h", "m")) {
            long size = UNITS.get(unit).getSeconds();
            if (seconds % size == 0) {
                return seconds / size + unit;
            }
        }
        return seconds + "s";
    }

    /** The finest interval: how often the schedule can be due. */
    public Duration finest() {
        return rules.stream().map(Rule::interval).min(Duration::compareTo).orElseThrow();
    }
}
