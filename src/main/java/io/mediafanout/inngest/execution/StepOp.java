package io.mediafanout.inngest.execution;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A step as Inngest sees it: its resolved id, its kind, the op's {@code name} and {@code opts}.
 *
 * @param name the op's {@code name}: the step id for runnable steps, the event name of a wait, the duration of a sleep
 * @param opts the op's {@code opts} (empty object when none)
 */
record StepOp(StepIds.Resolved id, Kind kind, String name, ObjectNode opts) {

    enum Kind {
        /** {@code step.run}: runs in this process. */
        RUN(true, "StepPlanned"),
        /** {@code step.sendEvent}: runs in this process, posts events. */
        SEND_EVENT(true, "StepPlanned"),
        /** {@code step.waitForEvent}: Inngest creates a pause. */
        WAIT_FOR_EVENT(false, "WaitForEvent"),
        /** {@code step.sleep}: Inngest schedules a wake-up. */
        SLEEP(false, "Sleep");

        private final boolean runnable;
        private final String reportedOp;

        Kind(boolean runnable, String reportedOp) {
            this.runnable = runnable;
            this.reportedOp = reportedOp;
        }

        /** Whether this process runs the step (in the call Inngest makes for it). */
        boolean runnable() {
            return runnable;
        }

        /** The op reported for the step while it has no state. */
        String reportedOp() {
            return reportedOp;
        }
    }
}
