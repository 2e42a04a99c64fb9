package io.mediafanout.media.service;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;

/**
 * How long a run sleeps (in Inngest, {@code step.sleep}) when a peer asked it to come back later ({@code 429} or
 * {@code 503} with {@code Retry-After}): the wait asked for, capped, in whole seconds (at least one), plus up to half
 * of it, and up to a second at least, so that the runs a burst limited together do not come back together (a wait of
 * one second, what a {@code 429} without {@code Retry-After} is read as, would otherwise have no spread at all). The extra part is derived from the run,
 * what waits and the wait's number, not drawn at random: a handler is replayed on every call of its run and must ask
 * for the same sleep each time.
 */
public final class RateLimitWaits {

    private RateLimitWaits() {
    }

    /**
     * The sleep for wait number {@code wait} (1, 2, ...) of {@code scope} (a branch, a delivery) in run {@code runId}:
     * from {@code min(asked, cap)} to 1.5 times it (or one second more, whichever is longer), whole seconds.
     */
    public static Duration sleep(Duration asked, Duration cap, String runId, String scope, int wait) {
        long base = baseSeconds(capped(asked, cap));
        return Duration.ofSeconds(base + Math.floorMod(hash(runId + "\n" + scope + "\n" + wait), spread(base) + 1));
    }

    /** The wait asked for, {@code cap} at most. */
    public static Duration capped(Duration asked, Duration cap) {
        return asked.compareTo(cap) > 0 ? cap : asked;
    }

    /** The longest {@link #sleep} of a wait capped at {@code cap}. */
    public static Duration longest(Duration cap) {
        long base = baseSeconds(cap);
        return Duration.ofSeconds(base + spread(base));
    }

    private static long baseSeconds(Duration capped) {
        return Math.max(1, (capped.toMillis() + 999) / 1000);
    }

    private static long spread(long baseSeconds) {
        return Math.max(1, baseSeconds / 2);
    }

    private static long hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
