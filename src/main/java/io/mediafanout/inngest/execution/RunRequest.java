package io.mediafanout.inngest.execution;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.inngest.Event;

/** A call request from the Inngest executor, decoded. */
public record RunRequest(Event event, List<Event> events, Map<String, Memo> steps, String runId, int attempt,
        OptionalInt maxAttempts, boolean disableImmediateExecution, boolean useApi) {

    /** A memoised step state. */
    sealed interface Memo {
    }

    record Data(JsonNode value) implements Memo {
    }

    record Failure(String name, String message, String stack) implements Memo {
    }

    /** Raised when the body is not a call request; the message says what is wrong. */
    public static final class InvalidRequestException extends RuntimeException {
        InvalidRequestException(String message) {
            super(message, null, false, false);
        }
    }

    public static RunRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidRequestException("the request body must be a JSON object");
        }
        JsonNode eventNode = body.get("event");
        if (eventNode == null || !eventNode.isObject()) {
            throw new InvalidRequestException("the request body has no \"event\" object");
        }
        Event event = toEvent(eventNode, "event");
        List<Event> events = new ArrayList<>();
        JsonNode eventsNode = body.get("events");
        if (eventsNode != null && eventsNode.isArray()) {
            for (JsonNode e : eventsNode) {
                events.add(toEvent(e, "events[]"));
            }
        }
        if (events.isEmpty()) {
            events.add(event);
        }
        JsonNode ctx = body.path("ctx");
        JsonNode max = ctx.get("max_attempts");
        boolean useApi = ctx.path("use_api").asBoolean(false) || body.path("use_api").asBoolean(false);
        return new RunRequest(event, List.copyOf(events), decodeSteps(body.get("steps")),
                ctx.path("run_id").asText(""), ctx.path("attempt").asInt(0),
                max != null && max.canConvertToInt() && max.asInt() > 0 ? OptionalInt.of(max.asInt()) : OptionalInt.empty(),
                ctx.path("disable_immediate_execution").asBoolean(false), useApi);
    }

    /** The same request with the events and steps fetched from the API ({@code use_api}). */
    RunRequest withPayload(List<Event> fetchedEvents, Map<String, Memo> fetchedSteps) {
        Event first = fetchedEvents.isEmpty() ? event : fetchedEvents.get(0);
        return new RunRequest(first, fetchedEvents.isEmpty() ? events : List.copyOf(fetchedEvents), fetchedSteps,
                runId, attempt, maxAttempts, disableImmediateExecution, false);
    }

    boolean isLastAttempt() {
        return maxAttempts.isPresent() && attempt >= maxAttempts.getAsInt() - 1;
    }

    /**
     * An event of the request, read from its tree as Jackson would bind {@link Event} (scalars where strings are
     * expected are taken as their text; unknown members are ignored), without a second pass through a binder.
     */
    static Event toEvent(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new InvalidRequestException("\"" + where + "\" must be an object");
        }
        try {
            return new Event(text(node.get("id")), text(node.get("name")), node.get("data"), node.get("user"),
                    timestamp(node.get("ts")), text(node.get("v")));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("\"" + where + "\" is not a valid event");
        }
    }

    private static String text(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isContainerNode()) {
            throw new IllegalArgumentException("not a scalar");
        }
        return value.asText();
    }

    private static Long timestamp(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isNumber() && value.canConvertToLong()) {
            return value.asLong();
        }
        if (value.isTextual()) {
            return Long.parseLong(value.asText().trim());
        }
        throw new IllegalArgumentException("not a timestamp");
    }

    /** Decodes memoised steps with the rules of the official SDKs (see PROTOCOL §2.2). */
    static Map<String, Memo> decodeSteps(JsonNode steps) {
        Map<String, Memo> memos = new HashMap<>();
        if (steps == null || !steps.isObject()) {
            return memos;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = steps.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> entry = fields.next();
            JsonNode value = entry.getValue();
            if (value != null && value.isObject() && hasOnly(value, "data")) {
                memos.put(entry.getKey(), new Data(value.get("data")));
            } else if (value != null && value.isObject() && hasOnly(value, "error")) {
                JsonNode error = value.get("error");
                memos.put(entry.getKey(), new Failure(error.path("name").asText("Error"),
                        error.path("message").isTextual() ? error.path("message").asText() : error.path("message").toString(),
                        error.path("stack").asText("")));
            } else if (value != null && value.isObject() && hasOnly(value, "input")) {
                // step input override: the step has not finished
                continue;
            } else {
                memos.put(entry.getKey(), new Data(value));
            }
        }
        return memos;
    }

    private static boolean hasOnly(JsonNode object, String key) {
        if (!object.has(key)) {
            return false;
        }
        Iterator<String> names = object.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!name.equals(key) && !(name.equals("type") && object.path("type").asText().equals(key))) {
                return false;
            }
        }
        return true;
    }
}
