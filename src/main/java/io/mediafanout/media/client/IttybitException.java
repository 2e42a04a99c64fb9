package io.mediafanout.media.client;

import java.time.Duration;
import java.util.Optional;

/**
 * Ittybit could not do what was asked. {@link #isTransient()} failures (5xx, 408, 429, timeouts, connection errors)
 * are worth retrying; others (4xx) are not. Messages never contain the API key.
 */
public class IttybitException extends RuntimeException {

    private final boolean transientFailure;
    private final Optional<Duration> retryAfter;

    public IttybitException(String message, boolean transientFailure, Optional<Duration> retryAfter) {
        super(message, null, false, false);
        this.transientFailure = transientFailure;
        this.retryAfter = retryAfter;
    }

    public boolean isTransient() {
        return transientFailure;
    }

    /** The wait a 429 asked for. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    /** A transient failure: what a branch's retry policy retries ({@code media.ittybit.<branch>.retry.*}). */
    public static class Transient extends IttybitException {
        public Transient(String message, Optional<Duration> retryAfter) {
            super(message, true, retryAfter);
        }
    }
}
