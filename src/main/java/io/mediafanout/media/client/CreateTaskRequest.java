package io.mediafanout.media.client;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.Map;

/** Body of {@code POST /tasks}: the source URL, the task kind, its options and our metadata. */
@RegisterForReflection
public record CreateTaskRequest(String input, String kind, Map<String, Object> options, Map<String, String> metadata) {
}
