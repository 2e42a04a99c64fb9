package io.mediafanout.inngest;

import java.util.Objects;

/**
 * Inngest's run priority: {@code run} is a CEL expression over the triggering event (for example
 * {@code event.data.priority}) giving the seconds a run is moved ahead of (positive) or behind (negative) others of
 * the function in its queue; Inngest clamps it to ±600.
 */
public record Priority(String run) {

    public Priority {
        Objects.requireNonNull(run, "run");
        if (run.isBlank()) {
            throw new IllegalArgumentException("priority run expression must not be blank");
        }
    }

    public static Priority run(String expression) {
        return new Priority(expression);
    }
}
