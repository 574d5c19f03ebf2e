package org.snapshare.iscsi;

import java.time.Duration;

/**
 * What one portal grants its peers, so that no sequence of bytes from the
 * network can exhaust the server (docs/SECURITY.md lists each limit with its
 * config key). Peers that have not finished logging in hold a small share of
 * the connection slots, for a short time, so they can never keep out those
 * that have.
 *
 * @param maxConnections connections open at once, logged in or not
 * @param maxPendingLogins connections that have not finished their login, from all addresses
 * @param maxPendingLoginsPerAddress the same, from one initiator address
 * @param loginTimeout how long a connection may take from accept to full feature phase
 * @param nopInInterval how long a logged-in connection may be silent before we ping it with a NOP-In
 * @param nopInTimeout how long a ping may go unanswered (nothing heard at all) before the connection is closed
 * @param queueDepth commands one session may have outstanding, immediate ones included (the CmdSN window)
 * @param bufferMemory bytes of read and write data buffers all connections may hold at once
 */
public record ConnectionLimits(int maxConnections, int maxPendingLogins, int maxPendingLoginsPerAddress,
        Duration loginTimeout, Duration nopInInterval, Duration nopInTimeout, int queueDepth, long bufferMemory) {

    /** The most data one command may move: MAXIMUM TRANSFER LENGTH of the Block Limits page, 8192 blocks of 512 bytes. */
    public static final long LARGEST_COMMAND = 4L << 20;

    public ConnectionLimits {
        if (maxConnections < 1 || maxPendingLogins < 1 || maxPendingLoginsPerAddress < 1 || queueDepth < 1) {
            throw new IllegalArgumentException("connection limits and the queue depth must be at least 1");
        }
        if (bufferMemory < LARGEST_COMMAND) {
            throw new IllegalArgumentException("the buffer memory must hold at least one command's data ("
                    + LARGEST_COMMAND + " bytes)");
        }
    }

    /** The defaults of etc/snapshare.conf; the buffer memory a quarter of the heap's limit. */
    public static ConnectionLimits defaults() {
        return new ConnectionLimits(256, 64, 8, Duration.ofSeconds(15), Duration.ofSeconds(15),
                Duration.ofSeconds(30), 128, defaultBufferMemory());
    }

    /** A quarter of the heap's limit, at least one command's data. */
    public static long defaultBufferMemory() {
        return Math.max(LARGEST_COMMAND, Runtime.getRuntime().maxMemory() / 4);
    }
}
