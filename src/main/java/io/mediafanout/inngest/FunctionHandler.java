package io.mediafanout.inngest;

import io.smallrye.mutiny.Uni;

/**
 * The body of a function. It is replayed from the top on every call from Inngest: code outside
 * {@link Step#run} must be deterministic and free of side effects; do I/O inside steps.
 */
@FunctionalInterface
public interface FunctionHandler {

    /** @return the run's result (serialised to JSON), once every step it needs is done */
    Uni<?> handle(FunctionContext context, Step step);
}
