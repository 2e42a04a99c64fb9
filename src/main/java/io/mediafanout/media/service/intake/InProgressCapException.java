package io.mediafanout.media.service.intake;

/**
 * An upload or reprocess would put one more of its owner's records in {@code processing} than
 * {@code MEDIA_API_MAX_IN_PROGRESS_PER_OWNER} allows: answered {@code 429} with {@code Retry-After}; nothing was stored.
 */
public class InProgressCapException extends RuntimeException {

    /**
     * What {@code Retry-After} says: an owner at its cap has that many runs going, which end one by one (ready, failed,
     * cancelled, or abandoned by the reconciler), so a place usually frees within seconds; 5 s lets a client take it
     * soon without hammering the database with refused attempts. Nothing tells when exactly: it is a hint.
     */
    public static final long RETRY_AFTER_SECONDS = 5;

    private final int cap;

    public InProgressCapException(int cap) {
        super("this owner already has " + cap + " uploads in progress, the most MEDIA_API_MAX_IN_PROGRESS_PER_OWNER ("
                + cap + ") allows; nothing was stored: retry once some are ready, failed or cancelled");
        this.cap = cap;
    }

    public int cap() {
        return cap;
    }
}
