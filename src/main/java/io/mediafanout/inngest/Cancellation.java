package io.mediafanout.inngest;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An event that cancels a function's runs ({@code cancelOn}): a run whose triggering event matches {@code ifExpression}
 * (a CEL expression over {@code event}, the run's event, and {@code async}, the cancelling one) stops before its next
 * step; Inngest drops its pending waits and sleeps. Sent in the sync payload as {@code cancel[]}, the way the
 * official SDKs send it.
 */
public record Cancellation(String event, Optional<String> ifExpression, Optional<Duration> timeout) {

    public Cancellation {
        Objects.requireNonNull(event, "event");
        if (event.isBlank()) {
            throw new IllegalArgumentException("a cancellation needs an event name");
        }
        ifExpression = ifExpression == null ? Optional.empty() : ifExpression;
        timeout = timeout == null ? Optional.empty() : timeout;
    }

    /**
     * Cancels the runs whose event has the same value at {@code path} as the cancelling event, like the TypeScript
     * SDK's {@code match}: {@code match(e, "data.orderId")} is {@code event.data.orderId == async.data.orderId}.
     */
    public static Cancellation match(String event, String path) {
        return new Cancellation(event, Optional.of("event." + path + " == async." + path), Optional.empty());
    }

    /** Only cancelling events sent within {@code timeout} of the run's start count. */
    public Cancellation within(Duration timeout) {
        return new Cancellation(event, ifExpression, Optional.of(timeout));
    }
}
