package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.HostsFile;
import io.mediafanout.testing.PackagedApp;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.TestApiKey;

/**
 * The packaged jar (production profile) against callers who push at its edges, black-box: HTTP in, the database and
 * the fakes observed. Three API keys: {@code alice} and {@code bob} (read and write, each on its own records) and
 * {@code ops} ({@code media:admin}). Callbacks are on, with a 2 s timeout, and may reach 127.0.0.1; the JVM resolves
 * names from a hosts file the tests rewrite (no cached answer), so a callback host can stop resolving and come back.
 * <ul>
 * <li>An {@code Idempotency-Key} repeats the first answer (also after a restart), starts one run, is refused for
 * another request, and is per owner.</li>
 * <li>Another owner's record is 404 to read, cancel and reprocess, absent from lists, and its id is a 409 to upload
 * under; an admin sees it.</li>
 * <li>A forged {@code media/ready} delivers nothing for a record still processing, and only the stored outputs, once,
 * for a ready one.</li>
 * <li>A callback host that does not resolve at delivery is a step error, retried, then delivered.</li>
 * <li>A receiver trickling its body cannot hold a delivery; one trickling its headers fails at the timeout.</li>
 * </ul>
 * One jar process serves every test (the idempotency test restarts it on the same port and database).
 */
class EdgeAbuseIT {

    static final Duration CALLBACK_TIMEOUT = Duration.ofSeconds(2);
    /** How often a {@link TricklingReceiver} sends one more byte. */
    static final Duration TRICKLE_EVERY = Duration.ofMillis(200);
    static final String CALLBACK_HOST = "hooks.edge.test";
    static final ObjectMapper JSON = PackagedFixture.JSON;

    static final String ALICE = "mf_edge_alice_" + UUID.randomUUID().toString().replace("-", "");
    static final String BOB = "mf_edge_bob_" + UUID.randomUUID().toString().replace("-", "");
    static final String OPS = "mf_edge_ops_" + UUID.randomUUID().toString().replace("-", "");

    /** The uploading app's receiver (every well-behaved callback goes to {@code /cb/<mediaId>}). */
    static final RecordingHttpServer RECEIVER = PackagedFixture.callbackReceiver("/cb/");
    /** Where forged events try to send callbacks and media URLs. */
    static final RecordingHttpServer ATTACKER = PackagedFixture.callbackReceiver("/");

    static final HostsFile hosts = HostsFile.of(hosts(true));

    @RegisterExtension
    static final PackagedApp app = PackagedApp.create().withFakes().devMode()
            .set("media.reconciler.every", "off")
            .set("media.api.keys", String.join(",", TestApiKey.entry("alice", ALICE, "media:write+media:read"),
                    TestApiKey.entry("bob", BOB, "media:write+media:read"),
                    TestApiKey.entry("ops", OPS, "media:admin")))
            .set("media.callbacks.secret", "edge-abuse-callback-secret-0123456789")
            .set("media.callbacks.allow-private", "true")
            .set("media.callbacks.timeout", "PT2S")
            .resolvingFrom(hosts).startBeforeAll();

    @AfterAll
    static void closeReceivers() {
        RECEIVER.close();
        ATTACKER.close();
    }

    // ---------------------------------------------------------------------------------------------------------
    // 1. Idempotency-Key

    @Test
    void aRetriedUploadWithTheSameIdempotencyKeyGetsTheSameRecordAndStartsOneRunAlsoAfterARestart() throws Exception {
        String key = "edge-" + UUID.randomUUID();
        String source = "https://uploads.example/" + newId("idem") + ".mp4";
        String body = "{\"sourceUrl\":\"" + source + "\"}";

        HttpResponse<String> first = post(ALICE, "/media", body, key);
        assertThat(first.statusCode()).as(describe(first)).isEqualTo(202);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        String id = json(first).path("id").asText();
        assertThat(id).startsWith("med_");

        HttpResponse<String> retried = post(ALICE, "/media", body, key);
        assertThat(retried.statusCode()).as(describe(retried)).isEqualTo(202);
        assertThat(retried.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(json(retried).path("id").asText()).isEqualTo(id);
        assertUploadedEventsSent(id, 1);

        HttpResponse<String> other = post(ALICE, "/media",
                "{\"sourceUrl\":\"https://uploads.example/" + newId("other") + ".mp4\"}", key);
        assertThat(other.statusCode()).as(describe(other)).isEqualTo(422);
        assertThat(other.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(json(other).path("code").asText()).isEqualTo("idempotency_key_reused");
        assertThat(json(other).path("detail").asText()).contains("Idempotency-Key");

        // keys are per owner: bob's request with alice's key string is a request of its own
        HttpResponse<String> bobs = post(BOB, "/media", body, key);
        assertThat(bobs.statusCode()).as(describe(bobs)).isEqualTo(202);
        assertThat(bobs.headers().firstValue("Idempotent-Replayed")).isEmpty();
        String bobsId = json(bobs).path("id").asText();
        assertThat(bobsId).isNotEqualTo(id);
        assertThat(get(BOB, "/media/" + bobsId).statusCode()).isEqualTo(200);
        assertThat(get(ALICE, "/media/" + bobsId).statusCode()).isEqualTo(404);
        assertUploadedEventsSent(bobsId, 1);
        assertThat(app.rows("select owner, media_id, status_code from idempotency_key where key = ? order by owner", key))
                .containsExactly(List.of("alice", id, "202"), List.of("bob", bobsId, "202"));

        // the key outlives the process: killed, started again on the same database
        app.replica().restart();

        HttpResponse<String> afterRestart = post(ALICE, "/media", body, key);
        assertThat(afterRestart.statusCode()).as(describe(afterRestart)).isEqualTo(202);
        assertThat(afterRestart.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(json(afterRestart).path("id").asText()).isEqualTo(id);
        assertUploadedEventsSent(id, 1);
        assertThat(post(ALICE, "/media", "{\"sourceUrl\":\"https://uploads.example/" + newId("other") + ".mp4\"}", key)
                .statusCode()).isEqualTo(422);
    }

    // ---------------------------------------------------------------------------------------------------------
    // 2. Owners

    @Test
    void anotherOwnersRecordIsNotFoundUnlistedAndUntouchableWhileAnAdminSeesIt() throws Exception {
        String id = newId("own");
        String source = "https://uploads.example/" + id + ".mp4";
        assertThat(upload(ALICE, id, source, RECEIVER.url() + "/cb/" + id).statusCode()).isEqualTo(202);

        for (HttpResponse<String> answer : List.of(get(BOB, "/media/" + id), send(BOB, "DELETE", "/media/" + id, null, null),
                post(BOB, "/media/" + id + "/reprocess", null, null))) {
            assertThat(answer.statusCode()).as(describe(answer)).isEqualTo(404);
            assertThat(json(answer).path("code").asText()).as(describe(answer)).isEqualTo("not_found");
        }
        assertThat(listedIds(BOB)).doesNotContain(id);

        // bob cannot take alice's id, whatever he asks for under it
        for (String bobsSource : List.of(source, "https://uploads.example/bob-" + id + ".mp4")) {
            HttpResponse<String> taken = upload(BOB, id, bobsSource, null);
            assertThat(taken.statusCode()).as(describe(taken)).isEqualTo(409);
            assertThat(json(taken).path("code").asText()).isEqualTo("conflict");
            assertThat(taken.body()).doesNotContain("alice").doesNotContain(RECEIVER.url());
        }

        HttpResponse<String> alices = get(ALICE, "/media/" + id);
        assertThat(alices.statusCode()).isEqualTo(200);
        JsonNode record = json(alices);
        assertThat(record.path("sourceUrl").asText()).isEqualTo(source);
        assertThat(record.path("status").asText()).isEqualTo("processing");
        assertThat(record.path("callbackUrl").asText()).isEqualTo(RECEIVER.url() + "/cb/" + id);
        assertThat(app.rows("select owner, status, source_url, round from media where id = ?", id))
                .containsExactly(List.of("alice", "processing", source, "0"));
        assertThat(eventsNamed("media/cancelled", id)).as("bob's DELETE cancelled nothing").isEmpty();
        assertUploadedEventsSent(id, 1);

        assertThat(get(OPS, "/media/" + id).statusCode()).isEqualTo(200);
        assertThat(listedIds(OPS)).contains(id);
        assertThat(listedIds(ALICE)).contains(id);
    }

    // ---------------------------------------------------------------------------------------------------------
    // 3. Forged media/ready

    @Test
    void aForgedMediaReadyForARecordStillProcessingDeliversNothing() throws Exception {
        String id = newId("forge");
        assertThat(upload(ALICE, id, "https://uploads.example/" + id + ".mp4", RECEIVER.url() + "/cb/" + id)
                .statusCode()).isEqualTo(202);

        ExecutorEmulator.Run run = callbacks(3).runEvent(forgedReady(id));

        assertThat(run.status()).as(logOf(id)).isEqualTo("completed");
        assertThat(run.output().path("outcome").asText()).as(logOf(id)).isEqualTo("stale");
        assertThat(callbacksTo(id)).isEmpty();
        assertThat(ATTACKER.received()).isEmpty();
        assertThat(app.rows("select id from callback_delivery where media_id = ?", id)).isEmpty();
        assertThat(json(get(ALICE, "/media/" + id)).path("status").asText()).isEqualTo("processing");
    }

    @Test
    void aForgedMediaReadyForAReadyRecordDeliversTheStoredOutputsOnceAndTheGenuineEventNothingMore() throws Exception {
        String id = newId("forged-ready");
        JsonNode genuine = readyRecord(ALICE, id, RECEIVER.url() + "/cb/" + id);
        JsonNode stored = json(get(ALICE, "/media/" + id));

        ExecutorEmulator.Run forged = callbacks(3).runEvent(forgedReady(id));

        assertThat(forged.status()).as(logOf(id)).isEqualTo("completed");
        assertThat(forged.output().path("outcome").asText()).as(logOf(id)).isEqualTo("delivered");
        List<RecordingHttpServer.Recorded> sent = callbacksTo(id);
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).header("Media-Fanout-Delivery")).isEqualTo("media.ready-" + id + "-r0");
        JsonNode data = JSON.readTree(sent.get(0).body()).path("data");
        for (Branch branch : PackagedFixture.branches()) {
            assertThat(data.path(branch.resultField()).asText()).as(branch.resultField()).isNotBlank()
                    .isEqualTo(stored.path(branch.resultField()).asText());
        }
        assertThat(sent.get(0).body()).doesNotContain("attacker");
        assertThat(ATTACKER.received()).isEmpty();

        ExecutorEmulator.Run real = callbacks(3).runEvent(genuine);

        assertThat(real.status()).isEqualTo("completed");
        assertThat(real.output().path("outcome").asText()).isEqualTo("already-delivered");
        assertThat(callbacksTo(id)).hasSize(1);
        assertThat(app.rows("select id, status_code from callback_delivery where media_id = ?", id))
                .containsExactly(List.of("media.ready-" + id + "-r0", "200"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 4. A callback host that stops resolving

    @Test
    void aCallbackHostThatDoesNotResolveAtDeliveryIsRetriedThenDelivered() throws Exception {
        String id = newId("dns");
        String callbackUrl = "http://" + CALLBACK_HOST + ":" + URI.create(RECEIVER.url()).getPort() + "/cb/" + id;
        JsonNode ready;
        try {
            hosts.write(hosts(true));
            ready = readyRecord(ALICE, id, callbackUrl);

            hosts.write(hosts(false)); // the name is gone when the delivery comes
            AtomicBoolean restored = new AtomicBoolean();
            ExecutorEmulator emulator = callbacks(3).beforeCall((step, attempt) -> {
                if (attempt >= 1 && restored.compareAndSet(false, true)) {
                    hosts.write(hosts(true)); // back during the backoff, before the retry
                }
            });

            ExecutorEmulator.Run run = emulator.runEvent(ready);

            assertThat(run.status()).as(logOf(id)).isEqualTo("completed");
            assertThat(run.output().path("outcome").asText()).isEqualTo("delivered");
            ExecutorEmulator.Call failed = run.calls().get(0);
            assertThat(failed.ops()).as(logOf(id)).containsExactly("StepError");
            assertThat(failed.noRetry()).as("retried, not a permanent failure").isNotEqualTo("true");
            assertThat(failed.errorMessage()).as(logOf(id)).contains("does not resolve");
            assertThat(restored).as("the retry came").isTrue();
            List<RecordingHttpServer.Recorded> sent = callbacksTo(id);
            assertThat(sent).hasSize(1);
            assertThat(sent.get(0).header("Media-Fanout-Delivery")).isEqualTo("media.ready-" + id + "-r0");
        } finally {
            hosts.write(hosts(true));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // 5. Trickling receivers

    @Test
    void aReceiverTricklingItsBodyDoesNotHoldTheDelivery() throws Exception {
        try (TricklingReceiver receiver = new TricklingReceiver(false)) {
            String id = newId("trickle-body");
            Delivery delivery = deliver(receiver, id, 3);

            assertThat(delivery.run().status()).as(logOf(id)).isEqualTo("completed");
            assertThat(delivery.run().output().path("outcome").asText()).isEqualTo("delivered");
            ExecutorEmulator.Call deliver = delivery.run().calls().get(0);
            // delivered at the first attempt: had the client waited for the body, the attempt would have ended at the
            // callback timeout, as a step error
            assertThat(deliver.ops()).containsExactly("StepRun");
            TricklingReceiver.Exchange exchange = receiver.awaitClosed(1, Duration.ofSeconds(10)).get(0);
            assertThat(exchange.request()).contains("Media-Fanout-Delivery: media.ready-" + id + "-r0");
            // the client closed the connection with the headers in, not waiting for the body: before the receiver
            // had trickled as many bytes as fit in the callback timeout
            assertThat(exchange.bytesSent()).as("body bytes trickled before the client closed the connection")
                    .isLessThan((int) (CALLBACK_TIMEOUT.toMillis() / TRICKLE_EVERY.toMillis()));
            System.out.printf("trickled body: deliver call %.0f ms, connection closed %d ms after the request "
                    + "(%d byte(s) of body sent)%n", deliver.durationMillis(), exchange.closedAfterMillis(),
                    exchange.bytesSent());
        }
    }

    @Test
    void aReceiverTricklingItsHeadersFailsTheAttemptAtTheTimeout() throws Exception {
        try (TricklingReceiver receiver = new TricklingReceiver(true)) {
            String id = newId("trickle-head");
            Delivery delivery = deliver(receiver, id, 1);
            ExecutorEmulator.Run run = delivery.run();
            long tookMillis = delivery.tookMillis();

            // two attempts (retries 1): each ends at the timeout, the second for good
            assertThat(run.status()).as(logOf(id)).isEqualTo("failed");
            List<ExecutorEmulator.Call> attempts = run.callsFor("step").stream().filter(c -> !c.ops().isEmpty()).toList();
            assertThat(attempts).extracting(ExecutorEmulator.Call::ops)
                    .containsExactly(List.of("StepError"), List.of("StepFailed"));
            for (ExecutorEmulator.Call attempt : attempts) {
                assertThat(attempt.durationMillis()).as("attempt " + attempt.attempt())
                        .isBetween(CALLBACK_TIMEOUT.toMillis() - 100.0, CALLBACK_TIMEOUT.toMillis() + 3_000.0);
                // the timeout, in seconds (the client's deadline) or milliseconds (the attempt's), whichever fired
                assertThat(attempt.errorMessage()).as(logOf(id)).containsPattern("did not answer within ("
                        + CALLBACK_TIMEOUT.toSeconds() + " s|" + CALLBACK_TIMEOUT.toMillis() + " ms)");
            }
            assertThat(tookMillis).isLessThan(2 * (CALLBACK_TIMEOUT.toMillis() + 3_000));
            List<TricklingReceiver.Exchange> exchanges = receiver.awaitClosed(2, Duration.ofSeconds(10));
            assertThat(exchanges).allSatisfy(exchange -> assertThat(exchange.closedAfterMillis())
                    .as("connection closed by the client at the deadline (counted from the receiver's read of the "
                            + "request, which a loaded machine may delay past the client's start)")
                    .isBetween(CALLBACK_TIMEOUT.toMillis() / 2, CALLBACK_TIMEOUT.toMillis() + 3_000));
            System.out.printf("trickled headers: attempts %s ms, connections closed %s ms after the request%n",
                    attempts.stream().map(a -> String.format("%.0f", a.durationMillis())).toList(),
                    exchanges.stream().map(TricklingReceiver.Exchange::closedAfterMillis).toList());
            assertThat(app.rows("select delivered_at from callback_delivery where media_id = ?", id))
                    .allSatisfy(row -> assertThat(row.get(0)).as("not delivered").isNull());
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // helpers: the media API

    private static String newId(String prefix) {
        return PackagedFixture.newId("edge_" + prefix);
    }

    /** The body of {@code POST /media} with a mediaId (and a callback URL when not null). */
    private static ObjectNode uploadBody(String id, String sourceUrl, String callbackUrl) {
        ObjectNode body = JSON.createObjectNode().put("sourceUrl", sourceUrl).put("mediaId", id);
        if (callbackUrl != null) {
            body.put("callbackUrl", callbackUrl);
        }
        return body;
    }

    /** {@code POST /media} with a mediaId (and a callback URL when not null), whatever the answer. */
    private static HttpResponse<String> upload(String apiKey, String id, String sourceUrl, String callbackUrl)
            throws Exception {
        return PackagedFixture.post(app.replica().url("/"), "Bearer " + apiKey, uploadBody(id, sourceUrl, callbackUrl));
    }

    private static HttpResponse<String> get(String apiKey, String path) throws Exception {
        return send(apiKey, "GET", path, null, null);
    }

    private static HttpResponse<String> post(String apiKey, String path, String body, String idempotencyKey)
            throws Exception {
        return send(apiKey, "POST", path, body, idempotencyKey);
    }

    private static HttpResponse<String> send(String apiKey, String method, String path, String body,
            String idempotencyKey) throws Exception {
        HttpRequest.Builder request = app.replica().request(path).header("Authorization", "Bearer " + apiKey)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return app.replica().send(request);
    }

    private static JsonNode json(HttpResponse<String> response) {
        return PackagedFixture.json(response);
    }

    private static String describe(HttpResponse<String> response) {
        return response.request().method() + " " + response.request().uri().getPath() + " -> "
                + response.statusCode() + " " + response.body() + " (log: " + app.replica().log() + ")";
    }

    /** Ids of {@code GET /media?limit=100} as this key sees it. */
    private static List<String> listedIds(String apiKey) throws Exception {
        HttpResponse<String> page = get(apiKey, "/media?limit=100");
        assertThat(page.statusCode()).as(describe(page)).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        json(page).path("items").forEach(item -> ids.add(item.path("id").asText()));
        return ids;
    }

    // ---------------------------------------------------------------------------------------------------------
    // helpers: Inngest, the pipeline, callbacks

    private static URI serveUrl() {
        return app.replica().serveUrl();
    }

    /** The callbacks function as Inngest runs it, with {@code retries}. */
    private static ExecutorEmulator callbacks(int retries) {
        return PackagedFixture.callbacks(serveUrl(), retries);
    }

    /**
     * Uploads a record as {@code apiKey} with {@code callbackUrl} and runs its pipeline to the end from the
     * {@code video/uploaded} the upload sent (the fake Ittybit does the work); returns the {@code media/ready} event
     * Inngest received for it.
     */
    private static JsonNode readyRecord(String apiKey, String id, String callbackUrl) throws Exception {
        PackagedFixture.Upload upload = PackagedFixture.upload(app.replica().url("/"), "Bearer " + apiKey,
                uploadBody(id, PackagedFixture.sourceUrl(id), callbackUrl));
        ExecutorEmulator fanout = PackagedFixture.fanout(serveUrl()).timeScale(0.1);
        ExecutorEmulator.Run run = fanout.runEvent(upload.event());
        fanout.close();
        assertThat(run.status()).as(logOf(id)).isEqualTo("completed");
        assertThat(json(get(apiKey, "/media/" + id)).path("status").asText()).isEqualTo("ready");
        return PackagedFixture.sent(MediaEvents.READY, id);
    }

    record Delivery(ExecutorEmulator.Run run, long tookMillis) {
    }

    /** A ready record of alice's whose callback goes to {@code receiver}, delivered by a callbacks run (timed). */
    private static Delivery deliver(TricklingReceiver receiver, String id, int retries) throws Exception {
        JsonNode ready = readyRecord(ALICE, id, receiver.url(id));
        long start = System.nanoTime();
        ExecutorEmulator.Run run = callbacks(retries).runEvent(ready);
        return new Delivery(run, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * A {@code media/ready} nobody sent, hand-built on purpose (a forgery, not the service's event): about {@code id},
     * round 0, with an id of its own, the attacker's URL for every branch's output and a callback URL of its own.
     */
    private static JsonNode forgedReady(String id) {
        ObjectNode data = JSON.createObjectNode().put("mediaId", id).put("status", "ready").put("round", 0);
        for (Branch branch : PackagedFixture.branches()) {
            data.put(branch.resultField(), ATTACKER.url() + "/attacker-" + branch.id());
        }
        data.put("callbackUrl", ATTACKER.url() + "/steal");
        return PackagedFixture.foreignEvent(MediaEvents.READY, data);
    }

    private static List<RecordingHttpServer.Recorded> callbacksTo(String id) {
        return PackagedFixture.callbacksAt(RECEIVER, "/cb/" + id);
    }

    private static List<JsonNode> eventsNamed(String name, String id) {
        return PackagedFixture.allSent(name, id);
    }

    /**
     * Inngest received exactly {@code count} {@code video/uploaded} events for the record, and the event API was
     * called that many times with one (the fake drops repeated event ids, so the calls are counted too).
     */
    private static void assertUploadedEventsSent(String id, int count) {
        assertThat(eventsNamed(MediaEvents.UPLOADED, id)).as("video/uploaded events of " + id).hasSize(count);
        assertThat(FakeInngestApi.server().received(r -> r.path().startsWith("/e/")
                && r.body().contains(MediaEvents.UPLOADED) && r.body().contains("\"" + id + "\"")))
                .as("event API calls sending video/uploaded of " + id).hasSize(count);
    }

    // ---------------------------------------------------------------------------------------------------------
    // helpers: the hosts file, the database, the log

    /** The JVM's hosts file: localhost, and {@link #CALLBACK_HOST} at 127.0.0.1 when {@code withCallbackHost}. */
    private static String hosts(boolean withCallbackHost) {
        return "127.0.0.1 localhost\n::1 localhost\n" + (withCallbackHost ? "127.0.0.1 " + CALLBACK_HOST + "\n" : "");
    }

    /** The jar's log lines about {@code mediaId}, for failure messages. */
    private static String logOf(String mediaId) {
        return app.replica().logAbout(mediaId);
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * A raw HTTP receiver on 127.0.0.1 that reads each request and then trickles its answer one byte every 200 ms:
     * after a complete status line and headers ({@code HTTP/1.1 200 OK}, a long {@code Content-Length}) the body, or,
     * with {@code trickleHeaders}, the status line and headers themselves. It notes when the client closed the
     * connection (a write fails), counted from the end of the request.
     */
    static final class TricklingReceiver implements AutoCloseable {

        record Exchange(String request, long closedAfterMillis, int bytesSent) {
        }

        private final ServerSocket server;
        private final boolean trickleHeaders;
        private final List<Exchange> closed = new CopyOnWriteArrayList<>();
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        TricklingReceiver(boolean trickleHeaders) throws IOException {
            this.trickleHeaders = trickleHeaders;
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            acceptor = new Thread(this::accept, "trickling-receiver");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String url(String id) {
            return "http://127.0.0.1:" + server.getLocalPort() + "/cb/" + id;
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    open.add(socket);
                    Thread exchange = new Thread(() -> serve(socket), "trickling-exchange");
                    exchange.setDaemon(true);
                    exchange.start();
                } catch (IOException closing) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                String request = readRequest(socket.getInputStream());
                long start = System.nanoTime();
                byte[] head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII);
                OutputStream out = socket.getOutputStream();
                int sent = 0;
                if (!trickleHeaders) {
                    out.write(head);
                    out.flush();
                }
                long giveUp = start + Duration.ofSeconds(60).toNanos();
                try {
                    while (System.nanoTime() < giveUp) {
                        // the status line and headers one byte at a time, then (or else) the body: never finished
                        out.write(trickleHeaders && sent < head.length - 4 ? head[sent] : 'x');
                        out.flush();
                        sent++;
                        Thread.sleep(TRICKLE_EVERY.toMillis()); // the trickle's pace, not a wait
                    }
                } catch (IOException closedByClient) {
                    closed.add(new Exchange(request, (System.nanoTime() - start) / 1_000_000, sent));
                }
            } catch (Exception e) {
                // the receiver is closing
            }
        }

        /** The request head and body (by its Content-Length). */
        private static String readRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return head.toString();
                }
                head.append((char) b);
            }
            int length = 0;
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring("content-length:".length()).trim());
                }
            }
            return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
        }

        /** The first {@code count} exchanges whose connection the client closed, waiting at most {@code wait}. */
        List<Exchange> awaitClosed(int count, Duration wait) {
            PackagedFixture.await(count + " connection(s) closed by the client", wait, () -> closed.size() >= count);
            return closed.subList(0, count);
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : open) {
                socket.close();
            }
        }
    }
}
