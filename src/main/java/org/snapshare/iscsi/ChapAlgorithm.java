package org.snapshare.iscsi;

import java.util.function.Supplier;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.MD5Digest;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA3Digest;

/** The CHAP digests an initiator may offer in CHAP_A, by their IANA numbers (RFC 1994, RFC 7143 12.1.3). */
enum ChapAlgorithm {
    MD5(5, MD5Digest::new),
    SHA1(6, SHA1Digest::new),
    SHA256(7, SHA256Digest::new),
    SHA3_256(8, () -> new SHA3Digest(256));

    final int code;
    private final Supplier<Digest> digest;

    ChapAlgorithm(int code, Supplier<Digest> digest) {
        this.code = code;
        this.digest = digest;
    }

    static ChapAlgorithm of(int code) {
        for (ChapAlgorithm algorithm : values()) {
            if (algorithm.code == code) {
                return algorithm;
            }
        }
        return null;
    }

    /** The CHAP response: digest(identifier byte, secret, challenge). */
    byte[] response(int identifier, byte[] secret, byte[] challenge) {
        Digest d = digest.get();
        d.update((byte) identifier);
        d.update(secret, 0, secret.length);
        d.update(challenge, 0, challenge.length);
        byte[] out = new byte[d.getDigestSize()];
        d.doFinal(out, 0);
        return out;
    }
}
