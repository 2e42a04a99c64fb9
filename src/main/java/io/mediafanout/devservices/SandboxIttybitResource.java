package io.mediafanout.devservices;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.arc.profile.IfBuildProfile;
import io.smallrye.mutiny.Uni;

/**
 * A sandbox of the Ittybit task API for dev mode (see ../shared/ittybit/API.md §6), used when no
 * {@code ITTYBIT_API_KEY} is set ({@link SandboxIttybit}). It exists only in dev builds.
 * <ul>
 * <li>{@code POST /sandbox/ittybit/tasks} with {@code {input, kind, options, metadata:{mediaId}}}: 201 with a bare
 * task in {@code pending}; a repeated {@code Idempotency-Key} answers the same task with 200. {@code Authorization}
 * and {@code Accept-Version} are accepted and not checked (the client sends {@code Bearer sandbox}), so the sandbox
 * can be tried with plain curl.</li>
 * <li>{@code GET /sandbox/ittybit/tasks/{id}}: the task, which moves by elapsed time from {@code pending} to
 * {@code processing} to {@code completed} (image 2 s, GIF 4 s, audio 6 s, HLS 8 s), with
 * {@code output.url = https://sandbox.ittybit.invalid/<mediaId>/<kind>/<taskId>.<ext>}.</li>
 * <li>A task whose input URL contains {@code fail} ends {@code failed} with the error
 * {@code sandbox: simulated failure}, e.g. {@code https://example.com/fail.mp4}.</li>
 * <li>Unknown task: 404 {@code task_not_found}; an input that is not an http(s) URL, or no kind: 400.</li>
 * </ul>
 * Tasks live in memory (the newest 10 000) and are forgotten on live reload.
 */
@IfBuildProfile("dev")
@Path("/sandbox/ittybit/tasks")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class SandboxIttybitResource {

    static final int MAX_TASKS = 10_000;
    static final String FAILURE = "sandbox: simulated failure";
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** A task as created: its answer is computed from the time elapsed since {@code created}. */
    record Task(String id, String fileId, String kind, String input, JsonNode options, JsonNode metadata,
            Instant created, String idempotencyKey) {

        Duration duration() {
            return switch (kind) {
                case "image" -> Duration.ofSeconds(2);
                case "video", "animation" -> Duration.ofSeconds(4);
                case "audio", "speech" -> Duration.ofSeconds(6);
                case "adaptive_video" -> Duration.ofSeconds(8);
                default -> Duration.ofSeconds(3);
            };
        }

        boolean fails() {
            return input.toLowerCase(Locale.ROOT).contains("fail");
        }

        String extension() {
            String format = options.path("format").asText("").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
            return switch (kind) {
                case "adaptive_video" -> "m3u8";
                case "image" -> format.isEmpty() ? "webp" : format;
                case "video" -> format.isEmpty() ? "mp4" : format;
                case "animation" -> format.isEmpty() ? "gif" : format;
                case "audio", "speech" -> format.isEmpty() ? "json" : format;
                default -> format.isEmpty() ? "bin" : format;
            };
        }

        ObjectNode render(Instant now) {
            long elapsed = Duration.between(created, now).toMillis();
            long total = duration().toMillis();
            long pending = Math.min(500, total / 4);
            ObjectNode task = JSON.objectNode();
            task.put("id", id);
            task.put("object", "task");
            task.put("kind", kind);
            task.put("input", input);
            task.set("options", options);
            task.set("metadata", metadata);
            if (elapsed < pending) {
                task.put("status", "pending");
                task.putNull("output");
                task.put("progress", 0);
                task.putNull("error");
            } else if (elapsed < total) {
                task.put("status", "processing");
                task.putNull("output");
                task.put("progress", (int) Math.min(99, 100 * (elapsed - pending) / Math.max(1, total - pending)));
                task.putNull("error");
            } else if (fails()) {
                task.put("status", "failed");
                task.putNull("output");
                task.put("progress", 100);
                task.put("error", FAILURE);
            } else {
                task.put("status", "completed");
                ObjectNode output = task.putObject("output");
                output.put("id", fileId);
                output.put("object", "source");
                output.put("kind", kind);
                output.put("url", "https://sandbox.ittybit.invalid/" + segment(metadata.path("mediaId").asText("unknown"))
                        + "/" + segment(kind) + "/" + id + "." + extension());
                task.put("progress", 100);
                task.putNull("error");
            }
            task.put("created", created.toString());
            task.put("updated", (elapsed < total ? now : created.plus(duration())).toString());
            return task;
        }
    }

    private final Map<String, Task> tasks = new ConcurrentHashMap<>();
    private final Map<String, Task> byIdempotencyKey = new ConcurrentHashMap<>();
    private final Queue<String> order = new ConcurrentLinkedQueue<>();

    @POST
    @Operation(hidden = true)
    public Uni<RestResponse<JsonNode>> create(@HeaderParam("Idempotency-Key") String idempotencyKey, JsonNode body) {
        return Uni.createFrom().item(() -> doCreate(idempotencyKey, body));
    }

    @GET
    @Path("/{id}")
    @Operation(hidden = true)
    public Uni<RestResponse<JsonNode>> get(@PathParam("id") String id) {
        return Uni.createFrom().item(() -> {
            Task task = tasks.get(id);
            return task == null
                    ? error(404, "task_not_found", "no task " + id + " in the sandbox (tasks are forgotten on live reload)")
                    : RestResponse.ok(task.render(Instant.now()));
        });
    }

    private RestResponse<JsonNode> doCreate(String idempotencyKey, JsonNode body) {
        if (body == null || !body.isObject()) {
            return error(400, "request_invalid", "the body must be a JSON object {input, kind, options, metadata}");
        }
        String input = body.path("input").asText(body.path("url").asText(""));
        if (!input.startsWith("http://") && !input.startsWith("https://")) {
            return error(400, "invalid_input", "input must be an http(s) URL");
        }
        String kind = body.path("kind").asText("");
        if (kind.isBlank()) {
            return error(400, "request_invalid", "kind is required");
        }
        JsonNode options = body.path("options").isObject() ? body.get("options") : JSON.objectNode();
        JsonNode metadata = body.path("metadata").isObject() ? body.get("metadata") : JSON.objectNode();
        Task fresh = new Task("task_" + alnum(16), "file_" + alnum(16), kind, input, options, metadata, Instant.now(),
                idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey);
        Task task = fresh.idempotencyKey() == null ? fresh
                : byIdempotencyKey.computeIfAbsent(fresh.idempotencyKey(), key -> fresh);
        if (task != fresh) {
            return RestResponse.ok(task.render(Instant.now()));
        }
        tasks.put(task.id(), task);
        order.add(task.id());
        evict();
        return RestResponse.status(RestResponse.Status.CREATED, task.render(task.created()));
    }

    /** Forgets the oldest tasks beyond {@link #MAX_TASKS}. */
    private void evict() {
        while (tasks.size() > MAX_TASKS) {
            String oldest = order.poll();
            if (oldest == null) {
                return;
            }
            Task removed = tasks.remove(oldest);
            if (removed != null && removed.idempotencyKey() != null) {
                byIdempotencyKey.remove(removed.idempotencyKey(), removed);
            }
        }
    }

    private static RestResponse<JsonNode> error(int status, String kind, String message) {
        ObjectNode body = JSON.objectNode();
        body.put("kind", kind);
        body.put("message", message);
        return RestResponse.status(RestResponse.Status.fromStatusCode(status), body);
    }

    private static String alnum(int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            id.append(ALNUM.charAt(random.nextInt(ALNUM.length())));
        }
        return id.toString();
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
