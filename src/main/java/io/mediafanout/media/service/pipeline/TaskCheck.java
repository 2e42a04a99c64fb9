package io.mediafanout.media.service.pipeline;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A task as one read found it (the result of a branch's read step, memoised by Inngest). */
@RegisterForReflection
public record TaskCheck(String id, String status, Outcome outcome, String outputUrl, String error) {

    public enum Outcome {
        /** Done, with its output. */
        COMPLETED,
        /** Ended without an output: the branch needs a new task. */
        FAILED,
        /** Still at work. */
        RUNNING
    }
}
