package io.mediafanout.inngest.execution;

import java.util.OptionalLong;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What one call request produced: the HTTP status, the JSON body, and for errors whether Inngest may retry
 * ({@code X-Inngest-No-Retry}) and when ({@code Retry-After}, seconds).
 *
 * @param opCode the op of a 206 with one step op ({@code StepRun}…), {@code StepPlanned} for a plan (possibly with
 *        pauses), {@code WaitForEvent} or {@code Sleep} for pauses alone, or the outcome of the function
 *        ({@code "complete"}, {@code "error"}); used for metrics and logs
 */
public record ExecutionResult(int status, JsonNode body, Boolean noRetry, OptionalLong retryAfterSeconds, String opCode) {

    static ExecutionResult of(int status, JsonNode body, String opCode) {
        return new ExecutionResult(status, body, null, OptionalLong.empty(), opCode);
    }
}
