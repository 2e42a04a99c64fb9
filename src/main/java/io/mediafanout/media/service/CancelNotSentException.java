package io.mediafanout.media.service;

/** The record is cancelled, but Inngest did not take the event that stops its run. */
public class CancelNotSentException extends RuntimeException {
    public CancelNotSentException(String message) {
        super(message, null, false, false);
    }
}
