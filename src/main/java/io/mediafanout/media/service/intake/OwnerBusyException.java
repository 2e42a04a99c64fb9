package io.mediafanout.media.service.intake;

/**
 * Too many of one owner's uploads or reprocesses wait for their turn on this replica ({@link OwnerTurns}): answered
 * {@code 429} with {@code Retry-After}; nothing was stored.
 */
public class OwnerBusyException extends RuntimeException {

    /** What {@code Retry-After} says: each admission before it takes milliseconds. */
    public static final long RETRY_AFTER_SECONDS = 1;

    public OwnerBusyException(int limit) {
        super("this owner already has " + limit + " uploads waiting for their turn on this replica (as many as a key's "
                + "burst, MEDIA_API_RATE_LIMIT_BURST); nothing was stored: retry in a second", null, false, false);
    }
}
