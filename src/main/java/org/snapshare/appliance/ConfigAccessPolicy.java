package org.snapshare.appliance;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
    static final String NODE_PREFIX = "node.";
    /** The keys (or key prefixes, for KEY.TARGET) that say who may log in. */
    private static final Set<String> ACCESS_KEYS = Set.of("chap-user", "chap-secret", "mutual-chap-user",
            "mutual-chap-secret", "discovery-chap-user", "discovery-chap-secret", "discovery-auth",
            "allowed-initiators");

    /** Whether a config key is about who may log in (CHAP, ACLs, node entries). */
    static boolean isAccessKey(String key) {
        return key.startsWith(NODE_PREFIX) || ACCESS_KEYS.stream().anyMatch(k -> key.equals(k)
                || key.startsWith(k + "."));
    }
    private static final Set<String> NODE_FIELDS = Set.of("name", "chap-user", "chap-secret");

    private final ApplianceConfig config;
    private final String iqnPrefix;
    private final Optional<ChapSecret> discovery;
    private final Optional<ChapSecret> mutual;
    /** Each initiator name with a node entry, and the CHAP it alone must prove (LIO's node ACLs). */
    private final Map<String, ChapSecret> nodes = new HashMap<>();

    private ConfigAccessPolicy(ApplianceConfig config) throws ConfigException {
        this.config = config;
        this.iqnPrefix = config.iqnPrefix() + ":";
        this.mutual = secret("mutual-chap-user", "mutual-chap-secret");
        readNodes();
        this.discovery = discoverySecret();
    }

    /** The policy of {@code config}; refuses half-set or too short secrets at start, not at the first login. */
    static ConfigAccessPolicy from(ApplianceConfig config) throws ConfigException {
        ConfigAccessPolicy policy = new ConfigAccessPolicy(config);
        Optional<ChapSecret> global = policy.secret("chap-user", "chap-secret");
        for (String target : policy.targetsWithChap()) {
            policy.secret("chap-user." + target, "chap-secret." + target);
        }
        if (policy.mutual.isPresent() && global.isPresent()
                && policy.mutual.get().secret().equals(global.get().secret())) {
            throw new ConfigException("mutual-chap-secret must differ from chap-secret (RFC 7143 12.1.3)");
        }
        return policy;
    }

    /** VOLUME or VOLUME.SNAPSHOT of every chap-user.T or chap-secret.T key. */
    private Set<String> targetsWithChap() {
        Set<String> targets = new TreeSet<>();
        for (String key : config.keys()) {
            if (key.startsWith("chap-user.") || key.startsWith("chap-secret.")) {
                targets.add(key.substring(key.indexOf('.') + 1));
            }
        }
        return targets;
    }

    /** node.ALIAS.name, node.ALIAS.chap-user and node.ALIAS.chap-secret, all three for each ALIAS. */
    private void readNodes() throws ConfigException {
        Set<String> aliases = new TreeSet<>();
        for (String key : config.keys()) {
            if (key.startsWith(NODE_PREFIX)) {
                String rest = key.substring(NODE_PREFIX.length());
                int dot = rest.lastIndexOf('.');
                String field = dot < 0 ? "" : rest.substring(dot + 1);
                if (dot <= 0 || !NODE_FIELDS.contains(field)) {
                    throw new ConfigException(key + " is not a node key: use node.ALIAS.name, node.ALIAS.chap-user"
                            + " and node.ALIAS.chap-secret");
                }
                aliases.add(rest.substring(0, dot));
            }
        }
        for (String alias : aliases) {
            String prefix = NODE_PREFIX + alias + ".";
            Optional<String> name = config.optional(prefix + "name");
            Optional<ChapSecret> chap = secret(prefix + "chap-user", prefix + "chap-secret");
            if (name.isEmpty() || chap.isEmpty()) {
                throw new ConfigException("node " + alias + " needs " + prefix + "name, " + prefix + "chap-user and "
                        + prefix + "chap-secret: the initiator name and the CHAP it alone may log in with");
            }
            if (nodes.put(name.get(), chap.get()) != null) {
                throw new ConfigException("initiator " + name.get() + " has two node entries; keep one");
            }
        }
    }

    /**
     * discovery-chap-*, else the plain chap-user/chap-secret that every target needs; discovery is
     * left open only when no target needs CHAP or discovery-auth = none says so (docs/ACCESS.md).
     */
    private Optional<ChapSecret> discoverySecret() throws ConfigException {
        Optional<ChapSecret> own = secret("discovery-chap-user", "discovery-chap-secret");
        String auth = config.optional("discovery-auth").orElse("chap");
        if (!auth.equals("chap") && !auth.equals("none")) {
            throw new ConfigException("discovery-auth " + auth + " must be chap or none");
        }
        if (auth.equals("none")) {
            if (own.isPresent()) {
                throw new ConfigException("discovery-auth = none, but discovery-chap-user/secret are set; drop one");
            }
            return Optional.empty();
        }
        if (own.isPresent()) {
            return own;
        }
        Optional<ChapSecret> global = secret("chap-user", "chap-secret");
        if (global.isPresent()) {
            return global;
        }
        if (!targetsWithChap().isEmpty()) {
            throw new ConfigException("targets " + targetsWithChap() + " need CHAP but discovery would be open: set"
                    + " discovery-chap-user and discovery-chap-secret, or discovery-auth = none to keep it open");
        }
        return Optional.empty();
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
    public Optional<ChapSecret> initiatorSecret(String target, String initiatorName) {
        ChapSecret node = nodes.get(initiatorName);
        if (node != null) {
            return Optional.of(node); // its name is its own: no other secret lets anyone claim it
        }
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
