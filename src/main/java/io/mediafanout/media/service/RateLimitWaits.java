package io.mediafanout.media.service;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;

/**
 * How long a run sleeps (in Inngest, {@code step.sleep}) when a peer asked it to come back later ({@code 429} or
 * {@code 503} with {@code Retry-After}): the wait asked for, capped, in whole seconds (at least one), plus up to half
 * of it so that the runs a burst limited together do not come back together. The extra part is derived from the run,
 * what waits and the wait's number, not drawn at random: a handler is replayed on every call of its run and must ask
 * for the same sleep each time.
 */
public final class RateLimitWaits {

    private RateLimitWaits() {
    }

    /**
     * The sleep for wait number {@code wait} (1, 2, ...) of {@code scope} (a branch, a delivery) in run {@code runId}:
     * from {@code min(asked, cap)} to 1.5 times it, whole seconds.
     */
    public static Duration sleep(Duration asked, Duration cap, String runId, String scope, int wait) {
        Duration capped = asked.compareTo(cap) > 0 ? cap : asked;
        long base = Math.max(1, (capped.toMillis() + 999) / 1000);
        long spread = base / 2;
        return Duration.ofSeconds(base + Math.floorMod(hash(runId + "\n" + scope + "\n" + wait), spread + 1));
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
