package io.mediafanout.inngest;

import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * Step tools. A step runs at most once successfully per run: its result is memoised by Inngest and replayed
 * afterwards. Steps combined with {@code Uni.combine().all()} run in parallel, each in its own HTTP call and with
 * its own retry budget.
 */
public interface Step {

    /**
     * Declares the step {@code id}. When the step is memoised the returned Uni emits its recorded result
     * (converted to {@code type}) or fails with {@link StepFailedException}; otherwise Inngest is told about the step
     * and {@code body} runs in the call Inngest makes for it.
     * <p>
     * In the body, throw {@link NonRetriableException} for permanent failures and {@link RetryAfterException} to
     * retry at a given time; any other failure is retried by Inngest with backoff.
     */
    <T> Uni<T> run(String id, Class<T> type, Supplier<Uni<T>> body);
}
