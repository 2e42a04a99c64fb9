package io.mediafanout.inngest;

import java.util.Objects;
import java.util.Optional;

/** An event trigger, with an optional CEL expression over {@code event}. */
public record Trigger(String event, Optional<String> expression) {

    public Trigger {
        Objects.requireNonNull(event, "event");
        expression = expression == null ? Optional.empty() : expression;
    }

    public static Trigger event(String event) {
        return new Trigger(event, Optional.empty());
    }

    public static Trigger event(String event, String expression) {
        return new Trigger(event, Optional.of(expression));
    }
}
