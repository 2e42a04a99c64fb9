package io.mediafanout.media.service.pipeline;

import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A task as one read found it (the result of a branch's read step, memoised by Inngest), or Ittybit's answer to come
 * back later ({@link Outcome#RATE_LIMITED}, with the wait it asked for).
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskCheck(String id, String status, Outcome outcome, String outputUrl, String error, Long retryAfterMs) {

    public enum Outcome {
        /** Done, with its output. */
        COMPLETED,
        /** Ended without an output: the branch needs a new task. */
        FAILED,
        /** Still at work. */
        RUNNING,
        /** Not read: Ittybit asked to come back after {@code retryAfterMs}. */
        RATE_LIMITED
    }

    TaskCheck(String id, String status, Outcome outcome, String outputUrl, String error) {
        this(id, status, outcome, outputUrl, error, null);
    }

    /** Ittybit asked to read the task again after {@code wait}. */
    static TaskCheck rateLimited(String taskId, Duration wait) {
        return new TaskCheck(taskId, TaskRef.RATE_LIMITED, Outcome.RATE_LIMITED, null, null, wait.toMillis());
    }
}
