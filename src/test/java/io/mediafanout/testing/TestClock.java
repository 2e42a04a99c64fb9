package io.mediafanout.testing;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The application's clock in tests: the system clock, unless a test pins it (to replay recorded signatures).
 */
public final class TestClock extends Clock {

    private static volatile Instant pinned;

    public static void pin(Instant instant) {
        pinned = instant;
    }

    public static void release() {
        pinned = null;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        Instant p = pinned;
        return p != null ? p : Instant.now();
    }

    /** Replaces the SDK's default clock bean. */
    public static class Producer {
        @Produces
        @Alternative
        @Priority(1)
        @Singleton
        Clock clock() {
            return new TestClock();
        }
    }
}
