package io.mediafanout.inngest;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Inngest's throttle: at most {@code limit} runs start per {@code period} (queued, not dropped), plus {@code burst}
 * at once, optionally per {@code key} (a CEL expression such as {@code event.data.tenantId}). The period is whole
 * seconds between 1 s and 7 days, synced as an Inngest time string ({@code 1m}, {@code 1h30m}).
 */
public record Throttle(int limit, Duration period, OptionalInt burst, Optional<String> key) {

    public static final Duration MIN_PERIOD = Duration.ofSeconds(1);
    public static final Duration MAX_PERIOD = Duration.ofDays(7);

    public Throttle {
        if (limit < 1) {
            throw new IllegalArgumentException("throttle limit must be at least 1");
        }
        Objects.requireNonNull(period, "period");
        if (period.compareTo(MIN_PERIOD) < 0 || period.compareTo(MAX_PERIOD) > 0 || period.getNano() != 0) {
            throw new IllegalArgumentException("throttle period must be whole seconds between 1s and 7d: " + period);
        }
        burst = burst == null ? OptionalInt.empty() : burst;
        if (burst.isPresent() && burst.getAsInt() < 1) {
            throw new IllegalArgumentException("throttle burst must be at least 1");
        }
        key = key == null ? Optional.empty() : key;
        if (key.isPresent() && key.get().isBlank()) {
            throw new IllegalArgumentException("throttle key must not be blank");
        }
    }

    public static Throttle of(int limit, Duration period) {
        return new Throttle(limit, period, OptionalInt.empty(), Optional.empty());
    }

    public static Throttle perKey(int limit, Duration period, String key) {
        return new Throttle(limit, period, OptionalInt.empty(), Optional.of(Objects.requireNonNull(key, "key")));
    }

    /** This throttle with {@code burst} runs allowed to start at once on top of the limit. */
    public Throttle withBurst(int burst) {
        return new Throttle(limit, period, OptionalInt.of(burst), key);
    }
}
