package org.snapshare.appliance;

import java.util.Locale;

/** Parses and prints byte sizes such as 512M, 1G, 1GiB or 1073741824. */
public final class Sizes {

    private Sizes() {
    }

    public static long parse(String text) throws ConfigException {
        String trimmed = text.trim().toUpperCase(Locale.ROOT);
        String digits = trimmed.replaceFirst("(I?B)$", "").replaceFirst("B$", "");
        int shift = 0;
        if (!digits.isEmpty()) {
            int unit = "KMGTP".indexOf(digits.charAt(digits.length() - 1));
            if (unit >= 0) {
                shift = 10 * (unit + 1);
                digits = digits.substring(0, digits.length() - 1);
            }
        }
        try {
            long value = Long.parseLong(digits);
            if (value <= 0 || value > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return value << shift;
        } catch (NumberFormatException e) {
            throw new ConfigException("invalid size '" + text + "': use a positive whole number with an optional"
                    + " unit K, M, G, T or P (powers of 1024), e.g. 1G");
        }
    }

    public static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
