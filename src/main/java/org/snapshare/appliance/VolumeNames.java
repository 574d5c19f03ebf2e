package org.snapshare.appliance;

import java.util.regex.Pattern;

/** Volume and snapshot names: they become part of an IQN, so lower-case letters, digits and '-'. */
public final class VolumeNames {

    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private VolumeNames() {
    }

    public static String check(String name) throws ConfigException {
        return check(name, "volume");
    }

    public static String checkSnapshot(String name) throws ConfigException {
        if (name.equals(DiffReport.ORIGIN)) {
            throw new ConfigException("'" + name + "' cannot name a snapshot: it stands for the volume's origin in"
                    + " `snapshot diff`");
        }
        return check(name, "snapshot");
    }

    private static String check(String name, String kind) throws ConfigException {
        if (!VALID.matcher(name).matches()) {
            throw new ConfigException("invalid " + kind + " name '" + name + "': use 1 to 63 lower-case letters,"
                    + " digits and '-', starting with a letter or digit");
        }
        return name;
    }
}
