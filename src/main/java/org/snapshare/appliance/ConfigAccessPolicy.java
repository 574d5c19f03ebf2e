package org.snapshare.appliance;

import java.util.List;
import java.util.Optional;
import org.snapshare.iscsi.AccessPolicy;
import org.snapshare.iscsi.ChapSecret;

/**
 * CHAP secrets and initiator ACLs from the config (docs/ACCESS.md). A
 * setting for one target is KEY.VOLUME or KEY.VOLUME.SNAPSHOT; a snapshot
 * without its own falls back to its volume's, then to the plain KEY.
 */
final class ConfigAccessPolicy implements AccessPolicy {

    /** RFC 7143 12.1.3: secrets of fewer than 96 bits are too easy to guess. */
    private static final int MIN_SECRET = 12;

    private final ApplianceConfig config;
    private final String iqnPrefix;
    private final Optional<ChapSecret> discovery;
    private final Optional<ChapSecret> mutual;

    private ConfigAccessPolicy(ApplianceConfig config) throws ConfigException {
        this.config = config;
        this.iqnPrefix = config.iqnPrefix() + ":";
        this.discovery = secret("discovery-chap-user", "discovery-chap-secret");
        this.mutual = secret("mutual-chap-user", "mutual-chap-secret");
    }

    /** The policy of {@code config}; refuses half-set or too short secrets at start, not at the first login. */
    static ConfigAccessPolicy from(ApplianceConfig config) throws ConfigException {
        ConfigAccessPolicy policy = new ConfigAccessPolicy(config);
        Optional<ChapSecret> global = policy.secret("chap-user", "chap-secret");
        for (String key : config.keys()) {
            if (key.startsWith("chap-user.") || key.startsWith("chap-secret.")) {
                String target = key.substring(key.indexOf('.') + 1);
                policy.secret("chap-user." + target, "chap-secret." + target);
            }
        }
        if (policy.mutual.isPresent() && global.isPresent()
                && policy.mutual.get().secret().equals(global.get().secret())) {
            throw new ConfigException("mutual-chap-secret must differ from chap-secret (RFC 7143 12.1.3)");
        }
        return policy;
    }

    private Optional<ChapSecret> secret(String userKey, String secretKey) throws ConfigException {
        Optional<String> user = config.optional(userKey);
        Optional<String> secret = config.optional(secretKey);
        if (user.isPresent() != secret.isPresent()) {
            throw new ConfigException(userKey + " and " + secretKey + " must be set together");
        }
        if (secret.isPresent() && (secret.get().length() < MIN_SECRET || secret.get().length() > 255)) {
            throw new ConfigException(secretKey + " must be 12 to 255 characters (it is " + secret.get().length()
                    + "); never reuse one secret for two purposes");
        }
        return user.map(u -> new ChapSecret(u, secret.get()));
    }

    /** KEY.VOLUME.SNAPSHOT, then KEY.VOLUME, then KEY: the first that is set. */
    private List<String> scopes(String key, String target) {
        String name = target.startsWith(iqnPrefix) ? target.substring(iqnPrefix.length()) : target;
        int dot = name.indexOf('.');
        return dot < 0 ? List.of(key + "." + name, key) : List.of(key + "." + name, key + "." + name.substring(0, dot), key);
    }

    @Override
    public Optional<ChapSecret> initiatorSecret(String target) {
        if (target == null) {
            return discovery;
        }
        List<String> users = scopes("chap-user", target);
        List<String> secrets = scopes("chap-secret", target);
        for (int i = 0; i < users.size(); i++) {
            try {
                Optional<ChapSecret> found = secret(users.get(i), secrets.get(i));
                if (found.isPresent()) {
                    return found;
                }
            } catch (ConfigException e) {
                throw new IllegalStateException("checked when the policy was made", e);
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<ChapSecret> targetSecret() {
        return mutual;
    }

    @Override
    public boolean allows(String target, String initiatorName) {
        for (String key : scopes("allowed-initiators", target)) {
            Optional<String> list = config.optional(key);
            if (list.isPresent()) {
                return List.of(list.get().split("[,\\s]+")).contains(initiatorName);
            }
        }
        return true;
    }
}
