package io.mediafanout.media.service;

/** The mediaId is already used for another source, or the request conflicts with the record's state. */
public class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message, null, false, false);
    }
}
