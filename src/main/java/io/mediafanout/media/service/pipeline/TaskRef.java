package io.mediafanout.media.service.pipeline;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The task a branch created (the result of its create step, memoised by Inngest).
 *
 * @param key the task's idempotency key, also what its {@code ittybit/task.ended} event carries
 * @param generation 0 for the branch's first task, then one more for each task that replaced a failed one
 */
@RegisterForReflection
public record TaskRef(String id, String key, int generation, String status) {
}
