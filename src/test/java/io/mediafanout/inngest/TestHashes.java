package io.mediafanout.inngest;

import io.mediafanout.inngest.execution.StepIds;

/** Step-id hashes for tests outside the SDK package. */
public final class TestHashes {

    private TestHashes() {
    }

    public static String of(String stepId) {
        return StepIds.hash(stepId);
    }
}
