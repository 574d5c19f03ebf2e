package org.snapshare.iscsi;

import java.util.Optional;

/**
 * Who may log in to what: CHAP secrets initiators must prove, the target's
 * own secret for mutual CHAP, and initiator ACLs. Target names are full IQNs;
 * a null target means a discovery session.
 */
public interface AccessPolicy {

    /** No authentication, everyone allowed. */
    AccessPolicy OPEN = new AccessPolicy() {
        @Override
        public Optional<ChapSecret> initiatorSecret(String target, String initiatorName) {
            return Optional.empty();
        }

        @Override
        public Optional<ChapSecret> targetSecret() {
            return Optional.empty();
        }

        @Override
        public boolean allows(String target, String initiatorName) {
            return true;
        }
    };

    /**
     * The CHAP name and secret the initiator that calls itself {@code initiatorName} must prove for
     * {@code target}; empty when none is required.
     */
    Optional<ChapSecret> initiatorSecret(String target, String initiatorName);

    /** What the target answers with when the initiator asks it to authenticate itself (mutual CHAP). */
    Optional<ChapSecret> targetSecret();

    /** True when {@code initiatorName} may log in to (and discover) {@code target}. */
    boolean allows(String target, String initiatorName);
}
