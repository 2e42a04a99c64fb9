package io.mediafanout.inngest;

import io.quarkus.runtime.annotations.RegisterForReflection;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/** An Inngest event: the trigger of a run, or one to send. {@code id} is an idempotency key when sending. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@RegisterForReflection
public record Event(String id, String name, JsonNode data, JsonNode user, Long ts, String v) {

    public Event {
        data = data == null || data.isNull() ? JsonNodeFactory.instance.objectNode() : data;
    }

    /** An event to send, with an idempotency id (may be null). */
    public static Event of(String name, JsonNode data, String id) {
        return new Event(id, name, data, null, null, null);
    }
}
