package io.mediafanout.media.service.pipeline;

import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The task a branch created (the result of its create step, memoised by Inngest), or Ittybit's answer to come back
 * later: then {@code id} is null and {@code retryAfterMs} is the wait it asked for.
 *
 * @param key the task's idempotency key, also what its {@code ittybit/task.ended} event carries
 * @param generation 0 for the branch's first task, then one more for each task that replaced a failed one
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskRef(String id, String key, int generation, String status, Long retryAfterMs) {

    /** The status of a create Ittybit answered with its rate limit. */
    static final String RATE_LIMITED = "rate_limited";

    TaskRef(String id, String key, int generation, String status) {
        this(id, key, generation, status, null);
    }

    /** Ittybit asked to try the create again after {@code wait}. */
    static TaskRef rateLimited(String key, int generation, Duration wait) {
        return new TaskRef(null, key, generation, RATE_LIMITED, wait.toMillis());
    }
}
