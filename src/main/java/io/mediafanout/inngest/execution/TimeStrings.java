package io.mediafanout.inngest.execution;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Durations and instants as the official SDKs write them in ops: {@code 1w2d3h4m5s} (whole seconds, sub-second
 * durations rounded up, never less than {@code 1s}) and ISO-8601 instants with milliseconds ({@code toISOString}).
 */
public final class TimeStrings {

    private static final long[] PERIODS = { 7 * 86_400, 86_400, 3_600, 60, 1 };
    private static final String[] SUFFIXES = { "w", "d", "h", "m", "s" };
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private TimeStrings() {
    }

    public static String duration(Duration duration) {
        if (duration == null || duration.isNegative()) {
            throw new IllegalArgumentException("a duration must not be negative: " + duration);
        }
        long seconds = Math.max(1, duration.getSeconds() + (duration.getNano() > 0 ? 1 : 0));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < PERIODS.length; i++) {
            long count = seconds / PERIODS[i];
            if (count > 0) {
                text.append(count).append(SUFFIXES[i]);
                seconds %= PERIODS[i];
            }
        }
        return text.toString();
    }

    static String instant(Instant instant) {
        return ISO.format(instant);
    }
}
