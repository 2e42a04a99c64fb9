package io.mediafanout.media;

import static io.restassured.RestAssured.given;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.RecordingHttpServer;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * The one fixture of the Quarkus tests of the media feature: new ids, uploads through {@code POST /media}, the
 * {@code video/uploaded} event the API sent (as the fake Inngest event API received it) and runs of it, Inngest's
 * failure events, callback receivers, and the one builder of an event another app sent.
 * <p>
 * Production's path is {@link #upload} then {@link #runUploaded} (or {@link #run}, both): the API stores the record
 * and sends its event, Inngest (the executor emulator) runs that event as it received it. A test whose point is a
 * {@code video/uploaded} from another app (no record before the run, {@code {mediaId, sourceUrl, branches?,
 * options?}}) builds it with {@link #foreignUpload} and says so.
 */
public final class MediaFixture {

    /** The fan-out function, as the service serves it. */
    public static final String FANOUT = "media-pipeline-fanout-adaptive-streaming";
    /** Its failure handler, which Inngest runs on {@code inngest/function.failed}. */
    public static final String FAILURE_HANDLER = FANOUT + "-failure";
    /** The callbacks function, triggered by {@code media/ready}, {@code media/failed} and {@code media/cancelled}. */
    public static final String CALLBACKS = "media-pipeline-media-callbacks";
    public static final ObjectMapper JSON = new ObjectMapper();

    private final URI serveUrl;
    private final Optional<String> signingKey;
    private final String authorization;

    private MediaFixture(URI serveUrl, Optional<String> signingKey, String authorization) {
        this.serveUrl = serveUrl;
        this.signingKey = signingKey;
        this.authorization = authorization;
    }

    /** A fixture for the app served at {@code serveUrl} ({@code @TestHTTPResource("/api/inngest")}), in dev mode. */
    public static MediaFixture of(URI serveUrl) {
        return new MediaFixture(serveUrl, Optional.empty(), null);
    }

    /** The same fixture for an app in cloud mode: Inngest signs its calls with {@code signingKey}. */
    public MediaFixture signedWith(String signingKey) {
        return new MediaFixture(serveUrl, Optional.of(signingKey), authorization);
    }

    /** The same fixture uploading with {@code Authorization: Bearer key}. */
    public MediaFixture as(String apiKey) {
        return new MediaFixture(serveUrl, signingKey, "Bearer " + apiKey);
    }

    // ids and bodies

    /** A JDBC connection to the profile's database, as the application's own (for locks held from outside). */
    public static java.sql.Connection database() throws java.sql.SQLException {
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        return java.sql.DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getOptionalValue("quarkus.datasource.password", String.class).orElse(""));
    }

    /** A new media id, {@code prefix_} and 12 random hex digits. */
    public static String newId(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** The source URL the fixture uploads for {@code mediaId}. */
    public static String sourceUrl(String mediaId) {
        return "https://uploads.example/" + mediaId + ".mp4";
    }

    /** A {@code POST /media} body for {@code mediaId}; {@code extraFields} is JSON to append (",\"branches\":[…]"). */
    public static String uploadBody(String mediaId, String extraFields) {
        return "{\"sourceUrl\":\"" + sourceUrl(mediaId) + "\",\"mediaId\":\"" + mediaId + "\"" + extraFields + "}";
    }

    // the API

    /** A request as this fixture's caller, with a JSON content type. */
    public RequestSpecification request() {
        RequestSpecification request = given().contentType("application/json");
        return authorization == null ? request : request.header("Authorization", authorization);
    }

    /** Uploads {@code mediaId} (202) and returns the {@code video/uploaded} event the API sent for it. */
    public JsonNode upload(String mediaId) {
        return upload(mediaId, "");
    }

    /** Uploads {@code mediaId} with more fields (see {@link #uploadBody}); returns the event the API sent. */
    public JsonNode upload(String mediaId, String extraFields) {
        request().body(uploadBody(mediaId, extraFields)).post("/media").then().statusCode(202);
        return uploadedEvent(mediaId);
    }

    /** Uploads {@code mediaId} asking for a callback to {@code callbackUrl}; returns the event the API sent. */
    public JsonNode uploadWithCallback(String mediaId, String callbackUrl) {
        return upload(mediaId, ",\"callbackUrl\":\"" + callbackUrl + "\"");
    }

    /** The first {@code video/uploaded} of {@code mediaId} that Inngest's event API received. */
    public static JsonNode uploadedEvent(String mediaId) {
        return FakeInngestApi.receivedEvent(MediaEvents.UPLOADED, mediaId);
    }

    /** The events named {@code name} of {@code mediaId} that Inngest's event API received, in order. */
    public static List<JsonNode> eventsFor(String name, String mediaId) {
        return FakeInngestApi.receivedEvents().stream().filter(e -> e.path("name").asText().equals(name)
                && e.path("data").path("mediaId").asText().equals(mediaId)).toList();
    }

    /** {@code GET /media/{id}}, 200 (in a profile where reading needs no key). */
    public static JsonPath media(String mediaId) {
        return given().get("/media/" + mediaId).then().statusCode(200).extract().jsonPath();
    }

    // runs

    /** An emulated Inngest executor for {@code fnId}, {@code retries} retries per step, retry waits up to 200 ms. */
    public ExecutorEmulator emulator(String fnId, int retries) {
        return new ExecutorEmulator(serveUrl, fnId, signingKey, retries, Duration.ofMillis(200));
    }

    /** The fan-out function's emulator, as Inngest runs it (3 retries), skipping the time a run only waits. */
    public ExecutorEmulator fanout() {
        return emulator(FANOUT, 3).skipIdleTime();
    }

    /** Production's path: uploads {@code mediaId}, then runs the event the API sent, skipping idle time. */
    public ExecutorEmulator.Run run(String mediaId) throws Exception {
        upload(mediaId);
        return runUploaded(mediaId);
    }

    /** Runs the {@code video/uploaded} the API sent for {@code mediaId} (already uploaded), skipping idle time. */
    public ExecutorEmulator.Run runUploaded(String mediaId) throws Exception {
        try (ExecutorEmulator emulator = fanout()) {
            return emulator.runEvent(uploadedEvent(mediaId));
        }
    }

    /**
     * What Inngest does when a run of {@code triggeringEvent} (as received) failed for good with {@code error}: it
     * runs the failure handler for an {@code inngest/function.failed} event carrying both.
     */
    public ExecutorEmulator.Run runFailureHandler(JsonNode triggeringEvent, JsonNode error) throws Exception {
        try (ExecutorEmulator emulator = emulator(FAILURE_HANDLER, 1)) {
            return emulator.run(FAILURE_EVENT, failureEvent(triggeringEvent, error));
        }
    }

    /** {@link #runFailureHandler(JsonNode, JsonNode)} for the failed run of the event the API sent for {@code mediaId}. */
    public ExecutorEmulator.Run runFailureHandler(String mediaId, ExecutorEmulator.Run failed) throws Exception {
        return runFailureHandler(uploadedEvent(mediaId), failed.output());
    }

    /** Inngest's event for a failed run. */
    public static final String FAILURE_EVENT = "inngest/function.failed";

    /**
     * The data of the {@code inngest/function.failed} event Inngest sends when a run of {@code triggeringEvent}
     * failed for good with {@code error}: the fan-out function's id, a run id, the error, and the event as received.
     */
    public static ObjectNode failureEvent(JsonNode triggeringEvent, JsonNode error) {
        ObjectNode data = JSON.createObjectNode().put("function_id", FANOUT)
                .put("run_id", "01FAILED" + triggeringEvent.path("data").path("mediaId").asText());
        data.set("error", error);
        ObjectNode event = data.putObject("event");
        event.put("name", triggeringEvent.path("name").asText(MediaEvents.UPLOADED));
        event.put("id", triggeringEvent.path("id").asText("e1"));
        event.put("ts", triggeringEvent.path("ts").asLong(1));
        event.set("data", triggeringEvent.path("data").deepCopy());
        return data;
    }

    // events other apps send

    /**
     * The data of a {@code video/uploaded} that another app sent (not our API): {@code {mediaId, sourceUrl}}, no
     * record before its run, the branches and options the defaults. Tests whose point is such an event use this.
     */
    public static ObjectNode foreignUpload(String mediaId) {
        return JSON.createObjectNode().put("mediaId", mediaId).put("sourceUrl", sourceUrl(mediaId));
    }

    // callbacks

    /** A callback receiver: answers 204 to every {@code POST /hooks/…} and records it. Close it after the class. */
    public static RecordingHttpServer callbackReceiver() {
        RecordingHttpServer receiver = new RecordingHttpServer();
        resetCallbackReceiver(receiver);
        return receiver;
    }

    /** Forgets a receiver's records and special answers: 204 to every {@code POST /hooks/…} again. */
    public static void resetCallbackReceiver(RecordingHttpServer receiver) {
        receiver.clearRoutes();
        receiver.clearRecords();
        receiver.route("POST", "/hooks/", r -> RecordingHttpServer.Reply.json(204, ""));
    }

    /** The receiver's callback URL for {@code mediaId}. */
    public static String callbackUrl(RecordingHttpServer receiver, String mediaId) {
        return receiver.url() + "/hooks/" + mediaId;
    }

    /** The callbacks {@code receiver} got for {@code mediaId}. */
    public static List<RecordingHttpServer.Recorded> deliveries(RecordingHttpServer receiver, String mediaId) {
        return receiver.received(r -> r.path().equals("/hooks/" + mediaId));
    }
}
