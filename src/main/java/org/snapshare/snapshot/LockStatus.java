package org.snapshare.snapshot;

import java.time.Duration;

/**
 * A volume's cluster lock as this node sees it: whether it holds the lock,
 * for how long without a break, the generation of its tenure (0 when it does
 * not hold it, and for a single node), and how often it handed the lock to
 * another node.
 */
public record LockStatus(boolean held, Duration heldFor, long generation, long handovers) {
}
