package io.mediafanout.inngest;

/**
 * Raised inside a function body when a step it awaits has failed for good (its retries are spent). Left uncaught,
 * it fails the run without further retries.
 */
public class StepFailedException extends RuntimeException {

    private final String stepId;
    private final String errorName;
    private final String errorStack;

    public StepFailedException(String stepId, String errorName, String message, String errorStack) {
        super(message, null, false, false);
        this.stepId = stepId;
        this.errorName = errorName;
        this.errorStack = errorStack;
    }

    /** The step's user-facing id. */
    public String stepId() {
        return stepId;
    }

    /** The error's name as recorded by Inngest (e.g. {@code Error}, {@code NonRetriableError}). */
    public String errorName() {
        return errorName;
    }

    public String errorStack() {
        return errorStack;
    }
}
