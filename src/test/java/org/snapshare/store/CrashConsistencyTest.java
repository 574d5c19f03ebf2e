package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Crash-point enumeration ({@link CrashTrials}): a fixed workload of
 * transactions is cut short after every single device write in turn; the
 * device then loses a random subset of its unflushed writes (and, in every
 * other trial, tears some). The remounted store must pass check and hold
 * exactly the state of the last completed commit or of the commit that was
 * in flight. bench/crash-soak.sh runs the same trials over many more seeds.
 */
class CrashConsistencyTest {

    private static final int DEVICE = 2 << 20;

    /**
     * Format 7 with 16 KiB chunks (each tree node in its chunk's first page: a one-flush commit names
     * such a chunk by that page alone, and a power cut may keep the page and lose the rest or the
     * reverse), format 7 with 4 KiB chunks (node and chunk the same), format 6 (snapshot parents in the
     * table: every other snapshot of the workload is taken of a snapshot), format 5 (one flush per
     * commit: a power cut may keep the commit block and drop some of its blocks, which mount must
     * notice), format 4 (two flushes, snapshot identities), format 3 (two copies of every metadata
     * block), format 2 (one), which older volumes still use, and format 7 on a small device that the
     * workload makes grow (the growth is one of the crash points). Transactions of 40 operations mostly
     * name too many chunks for one commit block and fall back to two flushes; those of 3 fit, so nearly
     * every commit is a one-flush commit (issue 26: a block its commit did not name, lost while the
     * commit survived).
     */
    @ParameterizedTest(name = "format {0}, {1}-byte chunks, device of {2} bytes, {3} operations a transaction")
    @CsvSource({"7, 16384, 8388608, 40", "7, 16384, 8388608, 3", "7, 4096, 2097152, 3", "6, 4096, 2097152, 40",
        "5, 4096, 2097152, 40", "4, 4096, 2097152, 40", "3, 4096, 2097152, 40", "2, 4096, 2097152, 40",
        "7, 4096, 262144, 40"})
    void everyCrashPointRecoversToACommittedState(int version, int chunkSize, int deviceBytes, int operations)
            throws Exception {
        CrashTrials trials = new CrashTrials(version, chunkSize, deviceBytes, operations, 42L);
        assertTrue(deviceBytes >= DEVICE || trials.grew(), "the store did not grow");
        int checked = 0;
        int torn = 0;
        for (int cut = 0; cut <= trials.writes(); cut++) {
            List<CrashTrials.Outcome> outcomes = trials.trials(cut, cut * 31L, 4);
            for (int trial = 0; trial < outcomes.size(); trial++) {
                assertNull(outcomes.get(trial).failure(), "cut after write " + cut + ", trial " + trial);
                torn += outcomes.get(trial).torn() ? 1 : 0;
                checked++;
            }
        }
        assertTrue(checked > 100, "only " + checked + " crash points were checked");
        if (StoreLayout.of(version).listedCommits) {
            assertTrue(torn > 0, "no power cut kept a commit block and lost some of its blocks: the one-flush"
                    + " commit's check at mount was never needed");
        }
    }

    /**
     * A store whose range counters fill several blocks (300 snapshots, each owning a copy): the workload's
     * commits rewrite only the blocks up to the last changed range and keep the rest where they were, so a
     * chain that a power cut leaves behind mixes blocks of the cut commit with blocks of older ones.
     */
    @Test
    void everyCrashPointRecoversWithACounterChainOfManyBlocks() throws Exception {
        CrashTrials trials = new CrashTrials(7, 2 * DEVICE, 3, 42L, 300);
        int checked = 0;
        for (int cut = 0; cut <= trials.writes(); cut++) {
            List<CrashTrials.Outcome> outcomes = trials.trials(cut, cut * 37L, 2);
            for (int trial = 0; trial < outcomes.size(); trial++) {
                assertNull(outcomes.get(trial).failure(), "cut after write " + cut + ", trial " + trial);
                checked++;
            }
        }
        assertTrue(checked > 100, "only " + checked + " crash points were checked");
    }
}
