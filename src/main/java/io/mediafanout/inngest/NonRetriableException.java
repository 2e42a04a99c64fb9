package io.mediafanout.inngest;

/** A failure that retrying cannot fix: the step (or function) fails at once, without using its retries. */
public class NonRetriableException extends RuntimeException {

    public NonRetriableException(String message) {
        super(message);
    }

    public NonRetriableException(String message, Throwable cause) {
        super(message, cause);
    }
}
