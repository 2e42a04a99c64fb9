package io.mediafanout.inngest.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.Event;
import io.mediafanout.inngest.InngestClient;
import io.mediafanout.inngest.NonRetriableException;
import io.mediafanout.inngest.ParallelMode;
import io.mediafanout.inngest.Step;
import io.mediafanout.inngest.StepFailedException;
import io.smallrye.mutiny.Uni;

/**
 * The step tools a function calls during one call request: each declares a step to the {@link Execution} and turns
 * its memoised state into the value the function sees.
 */
public final class StepTools implements Step {

    /** What step bodies of the SDK itself need. */
    public record Services(InngestClient events) {
    }

    private static final String SEND_EVENT = "sendEvent";

    private final Execution execution;
    private final Ops ops;
    private final Services services;

    StepTools(Execution execution, Ops ops, Services services) {
        this.execution = execution;
        this.ops = ops;
        this.services = services;
    }

    @Override
    public <T> Uni<T> run(String id, Class<T> type, Supplier<Uni<T>> body) {
        Objects.requireNonNull(body, "body");
        return declare(id, StepOp.Kind.RUN, id, emptyOpts(), body, type);
    }

    @Override
    public Uni<Optional<Event>> waitForEvent(String id, String event, String ifExpression, Duration timeout) {
        if (event == null || event.isBlank()) {
            throw new IllegalArgumentException("waitForEvent needs an event name");
        }
        ObjectNode opts = emptyOpts().put("timeout", TimeStrings.duration(Objects.requireNonNull(timeout, "timeout")));
        if (ifExpression != null && !ifExpression.isBlank()) {
            opts.put("if", ifExpression);
        }
        // a matched wait is memoised as the whole event; a timed-out one as null
        return declare(id, StepOp.Kind.WAIT_FOR_EVENT, event, opts, null, Event.class).map(Optional::ofNullable);
    }

    @Override
    public Uni<Void> sleep(String id, Duration duration) {
        return declare(id, StepOp.Kind.SLEEP, TimeStrings.duration(duration), emptyOpts(), null, Void.class);
    }

    @Override
    public Uni<Void> sleepUntil(String id, Instant until) {
        return declare(id, StepOp.Kind.SLEEP, TimeStrings.instant(Objects.requireNonNull(until, "until")), emptyOpts(),
                null, Void.class);
    }

    @Override
    public Uni<SentEvents> sendEvent(String id, List<Event> events) {
        if (events == null || events.isEmpty()) {
            throw new IllegalArgumentException("sendEvent needs at least one event");
        }
        List<Event> copy = List.copyOf(events);
        Supplier<Uni<SentEvents>> body = () -> services.events().send(copy).map(SentEvents::new);
        return declare(id, StepOp.Kind.SEND_EVENT, SEND_EVENT, emptyOpts().put("type", "step.sendEvent"), body,
                SentEvents.class);
    }

    private <T> Uni<T> declare(String id, StepOp.Kind kind, String name, ObjectNode opts,
            Supplier<? extends Uni<?>> body, Class<T> type) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a step needs an id");
        }
        String mode = execution.parallelMode().optsValue();
        if (mode != null) {
            opts.put(ParallelMode.OPTS_KEY, mode); // read by Inngest on every op: reported, run or failed
        }
        return Uni.createFrom().deferred(() -> execution.reach(id, kind, name, opts, body))
                .onItem().transformToUni(memoised(id, type));
    }

    private <T> Function<RunRequest.Memo, Uni<? extends T>> memoised(String id, Class<T> type) {
        return memo -> {
            if (memo instanceof RunRequest.Failure failure) {
                return Uni.createFrom().failure(
                        new StepFailedException(id, failure.name(), failure.message(), failure.stack()));
            }
            if (type == Void.class) {
                return Uni.createFrom().nullItem();
            }
            try {
                return Uni.createFrom().item(ops.read(((RunRequest.Data) memo).value(), type));
            } catch (Exception e) {
                return Uni.createFrom().failure(new NonRetriableException(
                        "the memoised result of step \"" + id + "\" cannot be read as " + type.getSimpleName()));
            }
        };
    }

    private static ObjectNode emptyOpts() {
        return JsonNodeFactory.instance.objectNode();
    }
}
