package io.mediafanout.media.domain;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where one branch of a record stands. The first four are stored ({@code media_branch.status}); the API shows the
 * last two for branches without a row.
 */
public enum BranchStatus {

    /** A task is being created or is at work. */
    RUNNING,
    /** A step attempt or a task failed; another follows. */
    RETRYING,
    /** Its output is made. */
    COMPLETED,
    /** It failed for good. */
    FAILED,
    /** Not started yet (API only). */
    PENDING,
    /** The upload did not ask for it (API only). */
    SKIPPED;

    /** The name in the database and the API: {@code running}, {@code retrying}, ... */
    @JsonValue
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<BranchStatus> of(String value) {
        return Arrays.stream(values()).filter(status -> status.value().equals(value)).findFirst();
    }

}
