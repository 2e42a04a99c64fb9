package io.mediafanout.inngest;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a function body knows of its run.
 *
 * @param functionId composite id of the running function ({@code <app>-<fn>})
 * @param event the triggering event (the first of a batch)
 * @param events every triggering event
 * @param runId the run's id
 * @param attempt zero-based attempt of this call
 * @param maxAttempts attempts allowed for this call, when Inngest says so
 */
public record FunctionContext(String functionId, Event event, List<Event> events, String runId, int attempt,
        OptionalInt maxAttempts) {

    /**
     * For an onFailure handler: the failure it reacts to, read from the {@code inngest/function.failed} event.
     */
    public Optional<Failure> failure() {
        if (!FunctionDefinition.FAILURE_EVENT.equals(event.name())) {
            return Optional.empty();
        }
        JsonNode data = event.data();
        JsonNode original = data.path("event");
        Event originalEvent = original.isObject()
                ? new Event(text(original, "id"), text(original, "name"), original.get("data"), original.get("user"),
                        original.path("ts").isNumber() ? original.path("ts").asLong() : null, null)
                : null;
        JsonNode error = data.path("error");
        return Optional.of(new Failure(text(data, "function_id"), text(data, "run_id"),
                error.isMissingNode() || error.isNull() ? "Error" : text(error, "name"),
                error.isMissingNode() || error.isNull() ? "" : text(error, "message"), originalEvent));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** The failed run: its function, id, final error and triggering event. */
    public record Failure(String functionId, String runId, String errorName, String errorMessage,
            Event originalEvent) {
    }
}
