package io.mediafanout.inngest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * Step tools. A step runs at most once successfully per run: its result is memoised by Inngest and replayed
 * afterwards. Steps combined with {@code Uni.combine().all()} run in parallel, each in its own HTTP call and with
 * its own retry budget.
 * <p>
 * {@link #waitForEvent} and {@link #sleep} are held by Inngest, not by this process: the run pauses, no request is
 * open and no concurrency slot is used until the event arrives or the time has come.
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

    /**
     * Pauses this branch of the run until an event named {@code event} arrives for which {@code ifExpression} holds
     * (a CEL expression over {@code event}, the run's triggering event, and {@code async}, the candidate; null
     * matches any), or until {@code timeout}. Emits the matched event, or empty on timeout. Only events sent after
     * the pause exists match it: declare the wait in the same turn as the step that makes the event happen (combine
     * both Unis), and Inngest creates the pause before it runs that step.
     */
    Uni<Optional<Event>> waitForEvent(String id, String event, String ifExpression, Duration timeout);

    /** Pauses this branch of the run for {@code duration} (whole seconds, rounded up). */
    Uni<Void> sleep(String id, Duration duration);

    /** Pauses this branch of the run until {@code until}. */
    Uni<Void> sleepUntil(String id, Instant until);

    /**
     * Sends events to Inngest from a step, so they are sent once per run (a retried step sends again with the same
     * event ids, which Inngest de-duplicates: give events an id). Emits the ids Inngest gave them.
     */
    Uni<SentEvents> sendEvent(String id, List<Event> events);

    /** The result of {@link #sendEvent}: the events' ids, in order. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    record SentEvents(List<String> ids) {
    }
}
