package io.mediafanout.media.client;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Body of {@code POST /tasks}: the source URL, the task kind, its options, our metadata and, when webhooks are
 * enabled, the URL Ittybit calls when the task ends.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreateTaskRequest(String input, String kind, Map<String, Object> options, Map<String, String> metadata,
        @JsonProperty("webhook_url") String webhookUrl) {
}
