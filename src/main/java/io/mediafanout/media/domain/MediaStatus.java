package io.mediafanout.media.domain;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where a media record stands; stored, shown and filtered on by its {@link #value()}. */
public enum MediaStatus {

    /** Its current round's run has not ended. */
    PROCESSING,
    /** Every branch it runs made its output. */
    READY,
    /** Its run failed for good, or was abandoned by the reconciler. */
    FAILED,
    /** Cancelled by {@code DELETE /media/{id}}: its run was stopped; outputs already made are kept. */
    CANCELLED;

    /** The name in the database, the API and events: {@code processing}, {@code ready}, ... */
    @JsonValue
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the record's run is over: ready, failed or cancelled. */
    public boolean ended() {
        return this != PROCESSING;
    }

    /** The status named {@code value}. */
    public static Optional<MediaStatus> of(String value) {
        return Arrays.stream(values()).filter(status -> status.value().equals(value)).findFirst();
    }

    /** Every value, for error messages and documentation. */
    public static String all() {
        return String.join(", ", Arrays.stream(values()).map(MediaStatus::value).toList());
    }

}
