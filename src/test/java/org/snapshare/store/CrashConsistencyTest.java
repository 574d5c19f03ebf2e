package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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

    /** One test per case of {@link CrashTrials#CASES}, which says why each is there. */
    static List<CrashTrials.Case> cases() {
        return CrashTrials.CASES;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyCrashPointRecoversToACommittedState(CrashTrials.Case kind) throws Exception {
        CrashTrials trials = new CrashTrials(kind, 42L);
        assertTrue(kind.deviceBytes() >= DEVICE || trials.grew(), "the store did not grow");
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
        if (StoreLayout.of(kind.version()).listedCommits) {
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
