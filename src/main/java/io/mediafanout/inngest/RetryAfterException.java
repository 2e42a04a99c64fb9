package io.mediafanout.inngest;

import java.time.Duration;
import java.util.Objects;

/** A retriable failure that tells Inngest when to retry (sent as {@code Retry-After}, in whole seconds). */
public class RetryAfterException extends RuntimeException {

    private final Duration retryAfter;

    public RetryAfterException(String message, Duration retryAfter) {
        this(message, retryAfter, null);
    }

    public RetryAfterException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** Whole seconds, rounded up, at least 1. */
    public long retryAfterSeconds() {
        long millis = Math.max(0, retryAfter.toMillis());
        return Math.max(1, (millis + 999) / 1000);
    }
}
