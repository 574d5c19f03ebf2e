package org.snapshare.appliance;

import java.util.regex.Pattern;

/** Volume names: they become part of an IQN, so lower-case letters, digits and '-'. */
public final class VolumeNames {

    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private VolumeNames() {
    }

    public static String check(String name) throws ConfigException {
        if (!VALID.matcher(name).matches()) {
            throw new ConfigException("invalid volume name '" + name + "': use 1 to 63 lower-case letters, digits"
                    + " and '-', starting with a letter or digit");
        }
        return name;
    }
}
