package org.snapshare.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.snapshare.device.FaultInjectingDevice;

/**
 * Stores sharing a node cache budget hold no more nodes together than it allows, each its share; a store that
 * closes leaves its share to the others. 4 KiB chunks: thousands of entries make a tree of over a hundred nodes.
 */
class NodeCacheBudgetTest {

    private static final int CHUNK = 4096;
    private static final long ORIGIN_CHUNKS = 12000; // about 120 full leaves: more than the budget holds

    private static SharedExceptionStore storeWithManyNodes(NodeCacheBudget budget) throws IOException {
        FaultInjectingDevice device = new FaultInjectingDevice(64 << 20);
        SharedExceptionStore.format(device, CHUNK, ORIGIN_CHUNKS * CHUNK);
        SharedExceptionStore store = SharedExceptionStore.open(device, budget, StoreFullPolicy.INVALIDATE_SNAPSHOTS,
                DamagedMetadataPolicy.INVALIDATE_SNAPSHOTS);
        long id = store.createSnapshot("s").id();
        for (long chunk = 0; chunk < ORIGIN_CHUNKS; chunk++) {
            store.addEntry(new ExceptionEntry(chunk, id, id, ExceptionEntry.ZEROS)); // no data chunk needed
        }
        store.commit();
        return store;
    }

    private static void readEveryLeaf(SharedExceptionStore store) throws IOException {
        for (long chunk = 0; chunk < ORIGIN_CHUNKS; chunk += 7) {
            store.find(chunk, 1);
        }
    }

    @Test
    void storesSharingABudgetEachKeepTheirShareAndAClosedOneLeavesItsShare() throws IOException {
        int budgetNodes = 80;
        NodeCacheBudget budget = new NodeCacheBudget((long) budgetNodes * CHUNK);
        SharedExceptionStore first = storeWithManyNodes(budget);
        readEveryLeaf(first);
        int alone = first.state().nodes().cachedNodes();
        assertEquals(budgetNodes, alone, "alone, a store fills the whole budget");

        SharedExceptionStore second = storeWithManyNodes(budget);
        readEveryLeaf(first);
        readEveryLeaf(second);
        assertTrue(first.state().nodes().cachedNodes() <= budgetNodes / 2, "first: "
                + first.state().nodes().cachedNodes());
        assertTrue(second.state().nodes().cachedNodes() <= budgetNodes / 2, "second: "
                + second.state().nodes().cachedNodes());

        second.close();
        readEveryLeaf(first);
        assertEquals(budgetNodes, first.state().nodes().cachedNodes(), "the closed store's share is the first's again");
        second.close(); // a second close leaves nothing twice
        assertEquals(budgetNodes, budget.nodesEach(CHUNK));
        first.close();
    }

    @Test
    void aShareNeverFallsBelowARootToLeafPathAndABudgetMustBePositive() {
        NodeCacheBudget tiny = new NodeCacheBudget(CHUNK);
        assertEquals(NodeCacheBudget.LEAST_NODES, tiny.nodesEach(CHUNK));
        assertThrows(IllegalArgumentException.class, () -> new NodeCacheBudget(0));
    }
}
