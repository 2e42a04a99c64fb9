package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.PackagedApp;
import io.mediafanout.testing.PackagedApp.Replica;
import io.mediafanout.testing.TestApiKey;

/**
 * Live progress ({@code GET /media/{id}/events}, server-sent events) from outside, across two packaged replicas on one
 * PostgreSQL: a stream opened on one replica follows a run whose steps the other replica executes (the change reaches
 * it through PostgreSQL's NOTIFY), to the record's final state, and ends by itself; {@code Last-Event-ID} resumes on
 * either replica; another owner's id is a JSON 404 and no credentials a JSON 401, before any stream; a stream URL
 * issued by one replica ({@code POST /media/{id}/events/token}) opens the record's stream on the other without
 * credentials, both replicas deriving the token key from the shared {@code ITTYBIT_API_KEY} (no
 * {@code MEDIA_LIVE_TOKEN_SECRETS}: the default production path). Every record is uploaded with {@code POST /media} and
 * its run started from the {@code video/uploaded} the service sent, as Inngest received it.
 */
class LiveProgressIT {

    /** The uploader: an owner of its own, not an admin (its records are scoped to it on both replicas). */
    static final String OWNER = "mf_live_owner_" + UUID.randomUUID().toString().replace("-", "");
    /** Another owner, who may read its own records only. */
    static final String STRANGER = "mf_live_stranger_" + UUID.randomUUID().toString().replace("-", "");
    /** How long a stream may take to reach its end once its run is done (or to end at once, when resumed at it). */
    static final Duration TO_END = Duration.ofSeconds(30);

    @RegisterExtension
    static final PackagedApp app = PackagedApp.create().withFakes().devMode()
            .set("media.reconciler.every", "off")
            .set("media.api.keys", String.join(",", TestApiKey.entry("studio", OWNER, "media:write+media:read"),
                    TestApiKey.entry("stranger", STRANGER, "media:read")))
            // the stream tokens' key derived from ITTYBIT_API_KEY (the same fake key on both replicas), as in
            // production without MEDIA_LIVE_TOKEN_SECRETS: set empty, so that no value in the test's environment counts
            .env("MEDIA_LIVE_TOKEN_SECRETS", "")
            .startBeforeAll(2);

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void aStreamOnOneReplicaFollowsARunOnTheOtherToItsFinalStateAndResumesOnEither() throws Exception {
        Replica a = app.replica(0);
        Replica b = app.replica(1);
        PackagedFixture.Upload upload = upload(a);
        String mediaId = upload.id();

        List<Message> messages;
        try (EventStream stream = EventStream.open(streamRequest(b, mediaId).header("Authorization", bearer(OWNER)))) {
            // the record as it is now comes first: the stream watches it before the run starts
            Message first = stream.next(Duration.ofSeconds(30));
            assertThat(first.json().path("status").asText()).as(first.toString()).isEqualTo("processing");

            ExecutorEmulator.Run run = PackagedFixture.fanout(a.serveUrl()).skipIdleTime().runEvent(upload.event());
            assertThat(run.status()).as("the run on " + a).isEqualTo("completed");

            messages = stream.toEnd(TO_END);
        }

        System.out.printf("live progress: the stream on replica B (%d) of a run on replica A (%d) carried %d "
                + "messages: %s%n", b.port(), a.port(), messages.size(), summary(messages));
        // the record before the run, then its changes: a replica may fold changes that come faster than it reads
        // them into one message (docs/api.md), so the run's steps may show as few messages, never none
        assertThat(messages).as("messages on " + b).hasSizeGreaterThanOrEqualTo(2).allSatisfy(m -> {
            assertThat(m.event()).as(m.toString()).isEqualTo("media");
            assertThat(m.id()).as(m.toString()).matches("[0-9]+");
            assertThat(m.json().path("id").asText()).as(m.toString()).isEqualTo(mediaId);
        });
        assertThat(messages.get(0).json().path("status").asText()).isEqualTo("processing");
        assertThat(messages.stream().map(m -> Long.parseLong(m.id())).toList()).as("versions")
                .isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
        // whatever came between the first and the last message is the run's progress, still processing
        assertThat(messages.subList(1, messages.size() - 1)).as("progress between the first and the last message")
                .allSatisfy(m -> assertThat(m.json().path("status").asText()).isEqualTo("processing"));
        Message last = messages.get(messages.size() - 1);
        assertThat(last.json().path("status").asText()).as(last.toString()).isEqualTo("ready");
        // the last message is the record as GET /media/{id} shows it, on either replica
        for (Replica replica : List.of(a, b)) {
            HttpResponse<String> shown = get(replica, "/media/" + mediaId, OWNER);
            assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
            assertThat(last.json()).as("GET /media/" + mediaId + " on " + replica)
                    .isEqualTo(PackagedFixture.json(shown));
        }

        // resumed on the other replica after the first message: the final state alone, then the end
        try (EventStream resumed = EventStream.open(streamRequest(a, mediaId).header("Authorization", bearer(OWNER))
                .header("Last-Event-ID", messages.get(0).id()))) {
            assertThat(resumed.toEnd(TO_END)).as("resumed after " + messages.get(0).id()).singleElement()
                    .satisfies(m -> {
                        assertThat(m.event()).isEqualTo("media");
                        assertThat(m.id()).isEqualTo(last.id());
                        assertThat(m.json()).isEqualTo(last.json());
                    });
        }
        // resumed at the final state, as an EventSource reconnects after the stream ended: 204, which stops it
        HttpResponse<String> ended = send(streamRequest(a, mediaId).header("Authorization", bearer(OWNER))
                .header("Last-Event-ID", last.id()));
        assertThat(ended.statusCode()).as(describe(ended)).isEqualTo(204);
        assertThat(ended.body()).isEmpty();
    }

    @Test
    void anotherOwnersStreamIsAJson404AndOneWithoutCredentialsAJson401BeforeAnyStream() throws Exception {
        Replica a = app.replica(0);
        Replica b = app.replica(1);
        String mediaId = upload(a).id();

        for (Replica replica : List.of(a, b)) {
            HttpResponse<String> strangers = send(streamRequest(replica, mediaId)
                    .header("Authorization", bearer(STRANGER)));
            assertThat(strangers.statusCode()).as(describe(strangers)).isEqualTo(404);
            assertThat(strangers.headers().firstValue("Content-Type")).as(describe(strangers))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(PackagedFixture.json(strangers).path("code").asText()).isEqualTo("not_found");

            HttpResponse<String> anonymous = send(streamRequest(replica, mediaId));
            assertThat(anonymous.statusCode()).as(describe(anonymous)).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("Content-Type")).as(describe(anonymous))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(PackagedFixture.json(anonymous).path("code").asText()).isEqualTo("unauthorized");
        }
        // the record is there for its owner
        assertThat(get(b, "/media/" + mediaId, OWNER).statusCode()).isEqualTo(200);
    }

    @Test
    void aStreamUrlFromOneReplicaOpensTheRecordsStreamOnTheOtherWithoutCredentials() throws Exception {
        Replica a = app.replica(0);
        Replica b = app.replica(1);
        PackagedFixture.Upload upload = upload(a);
        String mediaId = upload.id();
        Instant asked = Instant.now();

        HttpResponse<String> answer = send(a.request("/media/" + mediaId + "/events/token")
                .header("Authorization", bearer(OWNER)).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(answer.statusCode()).as(describe(answer)).isEqualTo(200);
        assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode issued = PackagedFixture.json(answer);
        String token = issued.path("token").asText();
        URI url = URI.create(issued.path("url").asText());
        assertThat(token).isNotBlank();
        // built from the base URI of the replica that answered
        assertThat(url.getPort()).isEqualTo(a.port());
        assertThat(url.getRawPath()).isEqualTo("/media/" + mediaId + "/events");
        assertThat(url.getRawQuery()).isEqualTo("token=" + token);
        assertThat(Instant.parse(issued.path("expiresAt").asText())).isAfter(asked);

        // the URL's path and query on the other replica, with no Authorization header
        List<Message> messages;
        try (EventStream stream = EventStream.open(HttpRequest.newBuilder(
                b.url(url.getRawPath() + "?" + url.getRawQuery())).header("Accept", "text/event-stream"))) {
            assertThat(stream.response().headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
            Message first = stream.next(Duration.ofSeconds(30));
            assertThat(first.json().path("status").asText()).as(first.toString()).isEqualTo("processing");

            ExecutorEmulator.Run run = PackagedFixture.fanout(a.serveUrl()).skipIdleTime().runEvent(upload.event());
            assertThat(run.status()).as("the run on " + a).isEqualTo("completed");

            messages = stream.toEnd(TO_END);
        }
        assertThat(messages).allSatisfy(m -> {
            assertThat(m.event()).as(m.toString()).isEqualTo("media");
            assertThat(m.json().path("id").asText()).as(m.toString()).isEqualTo(mediaId);
        });
        assertThat(messages.stream().map(m -> Long.parseLong(m.id())).toList()).as("versions")
                .isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
        Message last = messages.get(messages.size() - 1);
        assertThat(last.json().path("status").asText()).as(last.toString()).isEqualTo("ready");
        assertThat(last.json()).isEqualTo(PackagedFixture.json(get(b, "/media/" + mediaId, OWNER)));

        // that record's stream only: another record of the same owner is a 401 with this token, on that replica too
        String otherId = upload(a).id();
        HttpResponse<String> other = send(HttpRequest.newBuilder(b.url("/media/" + otherId + "/events?"
                + url.getRawQuery())).header("Accept", "text/event-stream"));
        assertThat(other.statusCode()).as(describe(other)).isEqualTo(401);
        assertThat(PackagedFixture.json(other).path("code").asText()).isEqualTo("unauthorized");
    }

    // ---------------------------------------------------------------------------------------------------------
    // requests

    private static String bearer(String key) {
        return "Bearer " + key;
    }

    /** {@code POST /media} of a new record through {@code replica} with the owner's key. */
    private static PackagedFixture.Upload upload(Replica replica) throws Exception {
        return PackagedFixture.upload(replica.url("/"), bearer(OWNER),
                PackagedFixture.uploadBody(PackagedFixture.newId("live")));
    }

    /** {@code GET /media/{id}/events} on {@code replica} as a client asks for a stream; add credentials. */
    private static HttpRequest.Builder streamRequest(Replica replica, String mediaId) {
        return HttpRequest.newBuilder(replica.url("/media/" + mediaId + "/events"))
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30));
    }

    private static HttpResponse<String> get(Replica replica, String path, String key) throws Exception {
        return send(replica.request(path).header("Authorization", bearer(key)));
    }

    /**
     * The whole answer, within 30 s (a request's own timeout ends with the headers: a stream that should not have
     * started would otherwise be read for ever).
     */
    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        HttpRequest built = request.build();
        try {
            return HTTP.sendAsync(built, HttpResponse.BodyHandlers.ofString()).get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(built.method() + " " + built.uri() + ": no whole answer within 30 s", e);
        }
    }

    /** Each message as {@code <id> <status> [<branch statuses>]}, for the log. */
    private static String summary(List<Message> messages) {
        return messages.stream().map(m -> m.id() + " " + m.json().path("status").asText() + " " + branchStatuses(m))
                .toList().toString();
    }

    /** The status of each branch the message shows. */
    private static List<String> branchStatuses(Message message) {
        List<String> statuses = new ArrayList<>();
        message.json().path("branches").forEach(branch -> statuses.add(branch.path("status").asText()));
        return statuses;
    }

    private static String describe(HttpResponse<String> response) {
        return response.request().method() + " " + response.request().uri() + " -> " + response.statusCode() + " "
                + response.headers().map() + " " + response.body();
    }

    // ---------------------------------------------------------------------------------------------------------
    // server-sent events

    /** One server-sent message as it came: its event name, its id and its data (null when a field was absent). */
    record Message(String event, String id, String data) {
        JsonNode json() {
            try {
                return PackagedFixture.JSON.readTree(data);
            } catch (Exception e) {
                throw new AssertionError("data not JSON: " + this, e);
            }
        }
    }

    /**
     * A stream read as it comes, on a thread of its own: each message as soon as its blank line arrives, and whether
     * the server ended the body. Comment lines (keep-alives) are not messages.
     */
    static final class EventStream implements AutoCloseable {
        private final HttpResponse<Stream<String>> response;
        private final BlockingQueue<Message> arriving = new LinkedBlockingQueue<>();
        private final List<Message> received = new CopyOnWriteArrayList<>();
        private final CompletableFuture<List<Message>> ended = new CompletableFuture<>();

        private EventStream(HttpResponse<Stream<String>> response) {
            this.response = response;
            Thread reader = new Thread(this::read, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        /** Sends the request; the answer must be a stream (200, {@code text/event-stream}). */
        static EventStream open(HttpRequest.Builder request) throws Exception {
            HttpRequest built = request.build();
            HttpResponse<Stream<String>> response = HTTP.sendAsync(built, HttpResponse.BodyHandlers.ofLines())
                    .get(30, TimeUnit.SECONDS);
            if (response.statusCode() != 200) {
                String body;
                try (Stream<String> lines = response.body()) {
                    body = String.join("\n", lines.toList());
                }
                throw new AssertionError(built.method() + " " + built.uri() + " -> " + response.statusCode() + " "
                        + response.headers().map() + " " + body);
            }
            assertThat(response.headers().firstValue("Content-Type")).as(built.uri().toString())
                    .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
            return new EventStream(response);
        }

        HttpResponse<Stream<String>> response() {
            return response;
        }

        /** The next message, within {@code within}. */
        Message next(Duration within) throws InterruptedException {
            Message next = arriving.poll(within.toMillis(), TimeUnit.MILLISECONDS);
            if (next == null) {
                throw new AssertionError("no message within " + within + " on " + response.uri() + "; received "
                        + received + (ended.isDone() ? ", and the stream ended" : ""));
            }
            return next;
        }

        /** Every message of the stream, once the server ended it, at most {@code within} from now. */
        List<Message> toEnd(Duration within) throws Exception {
            try {
                return ended.get(within.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("the stream " + response.uri() + " did not end within " + within
                        + "; received " + received);
            }
        }

        private void read() {
            String event = null;
            String id = null;
            StringBuilder data = null;
            try (Stream<String> lines = response.body()) {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (line.isEmpty()) {
                        if (data != null || event != null || id != null) {
                            Message message = new Message(event, id, data == null ? null : data.toString());
                            received.add(message);
                            arriving.add(message);
                        }
                        event = null;
                        id = null;
                        data = null;
                        continue;
                    }
                    if (line.startsWith(":")) {
                        continue; // a comment: keep-alive
                    }
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) {
                        value = value.substring(1);
                    }
                    switch (field) {
                        case "event" -> event = value;
                        case "id" -> id = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> {
                            // retry, or a field no client knows: not part of a message here
                        }
                    }
                }
                ended.complete(new ArrayList<>(received));
            } catch (RuntimeException e) { // UncheckedIOException: the connection failed or was closed
                ended.completeExceptionally(e);
            }
        }

        @Override
        public void close() {
            response.body().close();
        }
    }
}
