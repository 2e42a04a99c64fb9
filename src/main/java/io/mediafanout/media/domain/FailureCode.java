package io.mediafanout.media.domain;

import java.util.Arrays;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Why a record or branch failed, as the API and the {@code media/failed} event show it: a stable code and a short
 * message. The detailed text (Ittybit's error, task ids) stays in the logs and the record's {@code error} column.
 */
public enum FailureCode {

    TASK_FAILED("task_failed", "an Ittybit task failed, and so did the tasks that replaced it"),
    TASK_TIMED_OUT("task_timed_out", "an Ittybit task was still running after the last read allowed"),
    TASK_MISMATCH("task_mismatch", "Ittybit answered with a task this branch did not create"),
    ITTYBIT_REJECTED("ittybit_rejected", "Ittybit refused the request for this source"),
    ITTYBIT_UNAVAILABLE("ittybit_unavailable", "Ittybit could not be reached or kept failing"),
    ITTYBIT_RATE_LIMITED("ittybit_rate_limited", "Ittybit kept answering with its rate limit after the waits a branch may take"),
    ABANDONED("abandoned", "processing did not finish within the maximum age of a run"),
    CANCELLED("cancelled", "the upload was cancelled"),
    RUN_FAILED("run_failed", "processing failed");

    private final String code;
    private final String message;

    FailureCode(String code, String message) {
        this.code = code;
        this.message = message;
    }

    @JsonValue
    public String code() {
        return code;
    }

    public String message() {
        return message;
    }

    /** The code stored for a record or branch; {@link #RUN_FAILED} for an unknown or missing one. */
    public static FailureCode of(String code) {
        return Arrays.stream(values()).filter(c -> c.code.equals(code)).findFirst().orElse(RUN_FAILED);
    }
}
