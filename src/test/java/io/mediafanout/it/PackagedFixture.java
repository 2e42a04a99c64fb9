package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.FunctionDefinition;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.PackagedApp.Replica;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.TestApiKey;

/**
 * What the packaged-jar ITs share, so that their runs take production's path: a record is made by {@code POST /media}
 * and its run starts from the {@value MediaEvents#UPLOADED} event the service sent (as the fake Inngest API received
 * it), exactly as Inngest would start it. Also: ids, the emulated functions, the failure event Inngest sends when a run
 * fails for good, events from other apps (hand-built, and named so), callback receivers, and the one way to wait.
 */
final class PackagedFixture {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String FANOUT = "media-pipeline-fanout-adaptive-streaming";
    /** The fan-out's onFailure handler, which Inngest triggers with {@value FunctionDefinition#FAILURE_EVENT}. */
    static final String FANOUT_FAILURE = FANOUT + "-failure";
    static final String CALLBACKS = "media-pipeline-media-callbacks";

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private PackagedFixture() {
    }

    // ---------------------------------------------------------------------------------------------------------
    // ids and branches

    /** A new record id: {@code prefix_} and 12 hex digits. */
    static String newId(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** The source URL the fixture uploads for a record. */
    static String sourceUrl(String mediaId) {
        return "https://uploads.example/" + mediaId + ".mp4";
    }

    /** Every branch, in table order: the ITs iterate this rather than listing branches or kinds. */
    static List<Branch> branches() {
        return List.of(Branch.values());
    }

    /** The output URL of the (first) task the fake Ittybit made for a record's branch. */
    static String outputOf(String mediaId, Branch branch) {
        List<FakeIttybit.Task> tasks = FakeIttybit.tasks(mediaId, branch.kind());
        assertThat(tasks).as(mediaId + " " + branch.id() + ": a task").isNotEmpty();
        return FakeIttybit.outputUrl(mediaId, branch.kind(), tasks.get(0).id());
    }

    // ---------------------------------------------------------------------------------------------------------
    // uploads: POST /media, and the event the service sent

    /** A record accepted by {@code POST /media}: its id, the answer, and the event Inngest received for it. */
    record Upload(String id, HttpResponse<String> response, JsonNode event) {
        /** The answer as JSON. */
        JsonNode body() {
            return json(response);
        }
    }

    /** The body of an upload of {@code mediaId} with the fixture's source URL. */
    static ObjectNode uploadBody(String mediaId) {
        return JSON.createObjectNode().put("sourceUrl", sourceUrl(mediaId)).put("mediaId", mediaId);
    }

    /** {@code POST /media} of {@code mediaId} with the test API key; it must be accepted. */
    static Upload upload(Replica app, String mediaId) throws Exception {
        return upload(app.url("/"), TestApiKey.AUTHORIZATION, uploadBody(mediaId));
    }

    /** {@code POST /media} of {@code body} with the test API key; it must be accepted. */
    static Upload upload(Replica app, JsonNode body) throws Exception {
        return upload(app.url("/"), TestApiKey.AUTHORIZATION, body);
    }

    /** {@code POST /media} of {@code mediaId} to the app at {@code app} with the test API key; it must be accepted. */
    static Upload upload(URI app, String mediaId) throws Exception {
        return upload(app, TestApiKey.AUTHORIZATION, uploadBody(mediaId));
    }

    /**
     * {@code POST /media} of {@code body} to the app at {@code app} (its root) as {@code authorization}; it must be
     * accepted (202), and the service must have sent its {@value MediaEvents#UPLOADED}, which is returned with it.
     */
    static Upload upload(URI app, String authorization, JsonNode body) throws Exception {
        HttpResponse<String> answer = post(app, authorization, body);
        assertThat(answer.statusCode()).as("POST /media " + body + " -> " + answer.body()).isEqualTo(202);
        String id = json(answer).path("id").asText();
        assertThat(id).as(answer.body()).isNotBlank();
        return new Upload(id, answer, sentUploaded(id));
    }

    /** {@code POST /media} of {@code body} as {@code authorization}, whatever the answer (refusals included). */
    static HttpResponse<String> post(URI app, String authorization, JsonNode body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(app.resolve("/media")).timeout(Duration.ofSeconds(30))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // events: the ones the service sent, the ones other apps send, the ones Inngest sends

    /** The {@value MediaEvents#UPLOADED} the service sent for {@code mediaId}, as Inngest received it. */
    static JsonNode sentUploaded(String mediaId) {
        return sent(MediaEvents.UPLOADED, mediaId);
    }

    /** The first event named {@code name} about {@code mediaId} that the service sent, as Inngest received it. */
    static JsonNode sent(String name, String mediaId) {
        return FakeInngestApi.receivedEvent(name, mediaId);
    }

    /** Every event named {@code name} about {@code mediaId} that Inngest received (duplicate ids dropped). */
    static List<JsonNode> allSent(String name, String mediaId) {
        return FakeInngestApi.receivedEvents().stream().filter(e -> e.path("name").asText().equals(name)
                && e.path("data").path("mediaId").asText().equals(mediaId)).toList();
    }

    /**
     * An event this service did not send: another app's, or a forgery. Hand-built on purpose, with an id of its own;
     * name what it stands for where it is used.
     */
    static ObjectNode foreignEvent(String name, ObjectNode data) {
        ObjectNode event = JSON.createObjectNode().put("name", name).put("id", "foreign-" + UUID.randomUUID())
                .put("ts", System.currentTimeMillis());
        event.set("data", data);
        return event;
    }

    /**
     * A {@value MediaEvents#UPLOADED} as another app sends it, as the seed app does: {@code {mediaId, sourceUrl}}, no
     * record made beforehand, the server's default outputs.
     */
    static ObjectNode foreignUpload(String mediaId) {
        return foreignEvent(MediaEvents.UPLOADED,
                JSON.createObjectNode().put("mediaId", mediaId).put("sourceUrl", sourceUrl(mediaId)));
    }

    /**
     * What Inngest sends when a run of {@code functionId} failed for good ({@value FunctionDefinition#FAILURE_EVENT},
     * which triggers the function's onFailure handler): the function, the run, its error and the event that started it.
     */
    static ObjectNode functionFailed(String functionId, JsonNode triggeringEvent, ExecutorEmulator.Run failed) {
        ObjectNode data = JSON.createObjectNode().put("function_id", functionId)
                .put("run_id", "01FAILED" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
        data.set("error", failed.output());
        data.set("event", triggeringEvent);
        ObjectNode event = JSON.createObjectNode().put("name", FunctionDefinition.FAILURE_EVENT)
                .put("id", "failed-" + UUID.randomUUID()).put("ts", System.currentTimeMillis());
        event.set("data", data);
        return event;
    }

    // ---------------------------------------------------------------------------------------------------------
    // runs: Inngest, emulated

    /** The fan-out as Inngest runs it against {@code serveUrl}: 3 retries, backoff up to 200 ms. */
    static ExecutorEmulator fanout(URI serveUrl) {
        return new ExecutorEmulator(serveUrl, FANOUT, Optional.empty(), 3, Duration.ofMillis(200));
    }

    /** The fan-out's failure handler as Inngest runs it (1 retry). */
    static ExecutorEmulator failureHandler(URI serveUrl) {
        return new ExecutorEmulator(serveUrl, FANOUT_FAILURE, Optional.empty(), 1, Duration.ofMillis(200));
    }

    /** The callbacks function as Inngest runs it, with {@code retries}. */
    static ExecutorEmulator callbacks(URI serveUrl, int retries) {
        return new ExecutorEmulator(serveUrl, CALLBACKS, Optional.empty(), retries, Duration.ofMillis(500));
    }

    /** {@link ExecutorEmulator#runEvent} of {@code event} on another thread. */
    static CompletableFuture<ExecutorEmulator.Run> runAsync(ExecutorEmulator emulator, JsonNode event) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return emulator.runEvent(event);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    // ---------------------------------------------------------------------------------------------------------
    // callback receivers

    /** An uploading app's callback receiver on 127.0.0.1: every POST under {@code pathPrefix} answered 200. */
    static RecordingHttpServer callbackReceiver(String pathPrefix) {
        return new RecordingHttpServer().route("POST", pathPrefix, r -> RecordingHttpServer.Reply.json(200, "{}"));
    }

    /** The POSTs {@code receiver} received at exactly {@code path}. */
    static List<RecordingHttpServer.Recorded> callbacksAt(RecordingHttpServer receiver, String path) {
        return receiver.received(r -> r.path().equals(path));
    }

    // ---------------------------------------------------------------------------------------------------------
    // waiting: the ITs' one way (Awaitility)

    /** Waiting for {@code what}, at most {@code within}, checking every 50 ms (further conditions may be added). */
    static ConditionFactory waiting(String what, Duration within) {
        return Awaitility.await(what).atMost(within).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50));
    }

    /** Waits until {@code condition} holds, at most {@code within}; fails naming {@code what}. */
    static void await(String what, Duration within, Callable<Boolean> condition) {
        waiting(what, within).until(condition);
    }

    /**
     * {@code POST /media} of every id through {@code service} (16 at a time, as a client's burst), each accepted;
     * returns the {@code video/uploaded} event Inngest received for each, by id: the runs start from them.
     */
    static java.util.Map<String, JsonNode> uploadAll(URI service, List<String> mediaIds) throws Exception {
        java.util.Map<String, JsonNode> uploaded = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.ExecutorService uploads = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            for (java.util.concurrent.Future<?> upload : uploads.invokeAll(mediaIds.stream().<Callable<Object>>map(
                    mediaId -> () -> uploaded.put(mediaId, upload(service, mediaId).event())).toList())) {
                upload.get();
            }
        } finally {
            uploads.shutdownNow();
        }
        return uploaded;
    }

    /** Every record is ready, read from the database, and each of its branches made exactly one Ittybit task. */
    static void assertReadyWithOneTaskPerBranch(io.mediafanout.testing.PackagedApp app, List<String> mediaIds)
            throws Exception {
        for (String mediaId : mediaIds) {
            for (Branch branch : branches()) {
                assertThat(FakeIttybit.tasks(mediaId, branch.kind())).as(mediaId + " " + branch.id() + ": one task")
                        .hasSize(1);
            }
        }
        java.util.Map<String, String> statuses = new java.util.HashMap<>();
        for (String mediaId : mediaIds) {
            app.rows("select id, status from media where id = ?", mediaId)
                    .forEach(row -> statuses.put(row.get(0), row.get(1)));
        }
        assertThat(statuses).as("every record").hasSize(mediaIds.size())
                .allSatisfy((id, status) -> assertThat(status).as(id).isEqualTo("ready"));
    }
}
