package io.mediafanout.media.service;

/** No record has this id. */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message, null, false, false);
    }
}
