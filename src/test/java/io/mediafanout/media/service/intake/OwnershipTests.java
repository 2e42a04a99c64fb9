package io.mediafanout.media.service.intake;

import static io.mediafanout.testing.TestApiKey.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.mediafanout.media.MediaFixture;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Records belong to the key that uploaded them (OWASP API1): another key's record is a 404 to read, cancel or
 * reprocess and absent from its lists, its mediaId cannot be reused; {@code media:admin} acts on every record. Uploads
 * and reprocessing honour an {@code Idempotency-Key}, per caller.
 */
@QuarkusTest
@TestProfile(OwnershipTests.Owners.class)
class OwnershipTests {

    static final String ALICE = "mf_alice_" + "1".repeat(32);
    static final String BOB = "mf_bob_" + "2".repeat(32);
    static final String OPS = "mf_ops_" + "3".repeat(32);
    /** Alice's next secret, configured under her name while her clients move to it (key rotation). */
    static final String ALICE_NEXT = "mf_alice2_" + "4".repeat(32);

    public static class Owners implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("media.api.keys", String.join(",", entry("alice", ALICE, "media:write+media:read"),
                    entry("alice", ALICE_NEXT, "media:write+media:read"),
                    entry("bob", BOB, "media:write+media:read"), entry("ops", OPS, "media:admin")),
                    "media.api.rate-limit-per-second", "1000", "media.api.rate-limit-burst", "1000",
                    // a small app-wide limit (the owners' share of it: 2 each), so that one owner can fill it
                    "inngest.concurrency.limit", "4",
                    // small caps of live progress streams: 2 per owner, 3 on the pod
                    "media.live.max-streams-per-owner", "2", "media.live.max-streams", "3");
        }

    }

    @BeforeEach
    void resetFakes() {
        FakeInngestApi.reset();
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    private static String newId() {
        return MediaFixture.newId("own");
    }

    private static String upload(String sourceUrl, String mediaId) {
        return "{\"sourceUrl\":\"" + sourceUrl + "\"" + (mediaId == null ? "" : ",\"mediaId\":\"" + mediaId + "\"") + "}";
    }

    private static long uploadedEvents(String mediaId) {
        return MediaFixture.eventsFor(MediaEvents.UPLOADED, mediaId).size();
    }

    /** A stream of the record's changes, open once its first message has come; closing it ends the stream. */
    private java.net.http.HttpResponse<java.util.stream.Stream<String>> openStream(String key, String id)
            throws Exception {
        var response = STREAMS.send(java.net.http.HttpRequest.newBuilder(
                base.resolve("media/" + id + "/events")).header("Authorization", "Bearer " + key)
                .header("Accept", "text/event-stream").build(), java.net.http.HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() == 200) {
            var lines = response.body().iterator();
            assertThat(java.util.concurrent.CompletableFuture.supplyAsync(lines::next).get(10, TimeUnit.SECONDS))
                    .as("the stream's first line").isNotNull();
        }
        return response;
    }

    private static final java.net.http.HttpClient STREAMS = java.net.http.HttpClient.newHttpClient();

    /**
     * Streams opened at the same moment (a page's tabs, clients reconnecting to a replica after a drain) all pass the
     * check before any of them is counted: the place each takes before its stream starts keeps the cap, so each
     * answer is a stream with its first message or a problem (429, or 503 from a pod busy opening as many streams as
     * it may have), never a stream that starts and ends empty.
     */
    @Test
    void streamsOpenedTogetherPastTheOwnersCapGetA429NeverAnEmptyStream() throws Exception {
        String alices = newId();
        as(ALICE).body(upload("https://uploads.example/alice-tabs.mp4", alices)).post("/media").then().statusCode(202);
        List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<java.util.stream.Stream<String>>>> opening =
                java.util.stream.IntStream.range(0, 6).mapToObj(i -> STREAMS.sendAsync(java.net.http.HttpRequest
                        .newBuilder(base.resolve("media/" + alices + "/events")).header("Authorization", "Bearer " + ALICE)
                        .header("Accept", "text/event-stream").build(), java.net.http.HttpResponse.BodyHandlers.ofLines()))
                        .toList();
        List<java.net.http.HttpResponse<java.util.stream.Stream<String>>> answers = new java.util.ArrayList<>();
        try {
            for (var answer : opening) {
                answers.add(answer.get(30, TimeUnit.SECONDS));
            }
            List<String> outcomes = new java.util.ArrayList<>();
            List<String> bodies = new java.util.ArrayList<>();
            for (var answer : answers) {
                var lines = answer.body().iterator();
                if (answer.statusCode() == 200) {
                    String first = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            return lines.hasNext() ? lines.next() : "(ended empty)";
                        } catch (java.io.UncheckedIOException cut) {
                            return "(cut: " + cut.getMessage() + ")";
                        }
                    }).get(10, TimeUnit.SECONDS);
                    // a message's first line: its id or its event name
                    outcomes.add(first.startsWith("id:") || first.startsWith("event:") ? "stream" : "200 " + first);
                } else {
                    String body = String.join("", (Iterable<String>) () -> lines);
                    bodies.add(body);
                    outcomes.add(answer.statusCode() + (answer.headers().firstValue("Content-Type").orElse("")
                            .startsWith("application/problem+json") ? " problem" : " not a problem")
                            + (answer.headers().firstValue("Retry-After").isPresent() ? " Retry-After" : "")
                            + (body.contains("too_many_streams")
                                    ? " too_many_streams" : ""));
                }
            }
            // refused: past alice's cap (429), or while the pod looks up as many streams as its cap of 3 (503)
            assertThat(outcomes).as("each answer; refusals: " + bodies).allMatch(outcome -> outcome.equals("stream")
                    || outcome.equals("429 problem Retry-After too_many_streams")
                    || outcome.equals("503 problem Retry-After"));
            assertThat(outcomes).filteredOn("stream"::equals).as("streams within alice's cap of 2").hasSizeBetween(1, 2);
        } finally {
            answers.stream().filter(answer -> answer.statusCode() == 200).forEach(answer -> answer.body().close());
        }
        // every place is free again: those of the refused requests at once, the streams' once closed
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<java.net.http.HttpResponse<java.util.stream.Stream<String>>> again = List.of(openStream(ALICE, alices),
                    openStream(ALICE, alices));
            try {
                assertThat(again).allSatisfy(r -> assertThat(r.statusCode()).as("alice's places").isEqualTo(200));
            } finally {
                again.stream().filter(r -> r.statusCode() == 200).forEach(r -> r.body().close());
            }
        });
    }

    @Test
    void streamsPastTheOwnersCapAre429AndPastThePodsAre503BeforeAnyStreamAndAClosedStreamFreesItsPlace()
            throws Exception {
        String alices = newId();
        String bobs = newId();
        as(ALICE).body(upload("https://uploads.example/alice.mp4", alices)).post("/media").then().statusCode(202);
        as(BOB).body(upload("https://uploads.example/bob.mp4", bobs)).post("/media").then().statusCode(202);
        var first = openStream(ALICE, alices);
        var second = openStream(ALICE, alices);
        java.net.http.HttpResponse<java.util.stream.Stream<String>> bobsStream = null;
        try {
            assertThat(List.of(first, second)).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
            // alice has her 2: a problem, not a stream
            as(ALICE).accept("text/event-stream").get("/media/" + alices + "/events").then().statusCode(429)
                    .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                    .contentType(containsString("application/problem+json")).body("code", equalTo("too_many_streams"));
            bobsStream = openStream(BOB, bobs);
            assertThat(bobsStream.statusCode()).isEqualTo(200);
            // the pod has its 3: another replica may take it
            as(OPS).accept("text/event-stream").get("/media/" + bobs + "/events").then().statusCode(503)
                    .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                    .contentType(containsString("application/problem+json"));

            first.body().close();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                var again = openStream(ALICE, alices);
                try {
                    assertThat(again.statusCode()).as("alice's place, freed by her closed stream").isEqualTo(200);
                } finally {
                    if (again.statusCode() == 200) {
                        again.body().close();
                    }
                }
            });
        } finally {
            for (var response : java.util.Arrays.asList(first, second, bobsStream)) {
                if (response != null && response.statusCode() == 200) {
                    response.body().close();
                }
            }
        }
    }

    @Test
    void anotherOwnersRecordIsNotFoundForReadingCancellingAndReprocessingAndAbsentFromLists() {
        String id = newId();
        as(ALICE).body(upload("https://uploads.example/alice.mp4", id)).post("/media").then().statusCode(202);

        as(BOB).get("/media/" + id).then().statusCode(404).body("code", equalTo("not_found"));
        // no stream of its changes either: a JSON 404 before any stream starts
        as(BOB).accept("text/event-stream").get("/media/" + id + "/events").then().statusCode(404)
                .contentType(containsString("application/problem+json")).body("code", equalTo("not_found"));
        as(BOB).delete("/media/" + id).then().statusCode(404).body("code", equalTo("not_found"));
        as(BOB).post("/media/" + id + "/reprocess").then().statusCode(404).body("code", equalTo("not_found"));
        as(BOB).get("/media?limit=100").then().statusCode(200).body("items.id", not(hasItem(id)));

        as(ALICE).get("/media/" + id).then().statusCode(200).body("status", equalTo("processing"));
        as(ALICE).get("/media?limit=100").then().statusCode(200).body("items.id", hasItem(id));
    }

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @TestHTTPResource("/")
    URI base;

    /**
     * Fair under a bulk import: Alice's import has every one of its runs waiting for steps when Bob uploads, yet
     * Bob's uploads are ready while most of her import is still processing (Inngest, as emulated, holds each owner to
     * its share of the app-wide limit; without it Bob's steps would queue behind all of hers). An ordering, not a
     * timing.
     */
    @Test
    void oneOwnersImportLeavesRoomForAnotherOwnersUploads() throws Exception {
        MediaFixture alice = MediaFixture.of(serveUrl).as(ALICE);
        MediaFixture bob = MediaFixture.of(serveUrl).as(BOB);
        List<String> imported = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            imported.add(newId());
            alice.upload(imported.get(i));
        }
        List<String> bobs = List.of(newId(), newId());
        bobs.forEach(bob::upload);
        ExecutorEmulator.resetConcurrency();
        ExecutorService runs = Executors.newFixedThreadPool(imported.size() + bobs.size());
        try (ExecutorEmulator inngest = alice.fanout()
                .concurrency(FakeInngestApi.syncedFunction(serveUrl, MediaFixture.FANOUT))) {
            List<Future<ExecutorEmulator.Run>> imports = imported.stream()
                    .map(id -> runs.submit(() -> inngest.runEvent(MediaFixture.uploadedEvent(id)))).toList();
            await().atMost(Duration.ofMinutes(1)).until(() -> inngest.callsQueued() >= imported.size() - 2);

            for (Future<ExecutorEmulator.Run> run : bobs.stream()
                    .map(id -> runs.submit(() -> inngest.runEvent(MediaFixture.uploadedEvent(id)))).toList()) {
                assertThat(run.get(2, TimeUnit.MINUTES).status()).isEqualTo("completed");
            }
            long stillProcessing = imported.stream().filter(id -> as(ALICE).get("/media/" + id).then().statusCode(200)
                    .extract().jsonPath().getString("status").equals("processing")).count();
            assertThat(stillProcessing).as("Alice's import still processing when Bob's uploads are ready")
                    .isGreaterThan(imported.size() / 2);
            for (Future<ExecutorEmulator.Run> run : imports) {
                assertThat(run.get(2, TimeUnit.MINUTES).status()).isEqualTo("completed");
            }
        } finally {
            runs.shutdownNow();
            ExecutorEmulator.resetConcurrency();
        }
    }

    @Test
    void theRecordsOwnerTravelsWithTheEventsOfItsUploadAndItsCancel() {
        String id = newId();
        as(ALICE).body(upload("https://uploads.example/alice.mp4", id)).post("/media").then().statusCode(202);
        as(ALICE).delete("/media/" + id).then().statusCode(200);

        // Inngest's per-owner limits key on data.owner: the name of the key that uploaded, not the key itself
        assertThat(MediaFixture.uploadedEvent(id).path("data").path("owner").asText()).isEqualTo("alice");
        assertThat(MediaFixture.eventsFor(MediaEvents.CANCELLED, id)).singleElement()
                .satisfies(event -> assertThat(event.path("data").path("owner").asText()).isEqualTo("alice"));
    }

    @Test
    void anUploadReusingAnotherOwnersMediaIdIsAConflictAndLeavesTheRecordAlone() {
        String id = newId();
        as(ALICE).body(upload("https://uploads.example/alice.mp4", id)).post("/media").then().statusCode(202);
        long events = uploadedEvents(id);

        as(BOB).body(upload("https://uploads.example/alice.mp4", id)).post("/media").then().statusCode(409)
                .body("code", equalTo("conflict"));
        as(BOB).body(upload("https://evil.example/other.mp4", id)).post("/media").then().statusCode(409);

        as(ALICE).get("/media/" + id).then().statusCode(200).body("sourceUrl", equalTo("https://uploads.example/alice.mp4"))
                .body("status", equalTo("processing"));
        assertThat(uploadedEvents(id)).isEqualTo(events);
    }

    @Test
    void anAdminKeySeesCancelsAndListsEveryOwnersRecords() {
        String id = newId();
        as(BOB).body(upload("https://uploads.example/bob.mp4", id)).post("/media").then().statusCode(202);

        as(OPS).get("/media/" + id).then().statusCode(200).body("id", equalTo(id));
        as(OPS).get("/media?limit=100").then().statusCode(200).body("items.id", hasItem(id));
        as(OPS).delete("/media/" + id).then().statusCode(200).body("status", equalTo("cancelled"));
        as(BOB).get("/media/" + id).then().statusCode(200).body("status", equalTo("cancelled"));
    }

    @Test
    void aRetriedUploadWithTheSameIdempotencyKeyGetsTheSameRecordAndAnswerAndStartsOneRun() {
        String key = UUID.randomUUID().toString();
        String body = upload("https://uploads.example/retried.mp4", null);

        Response first = as(ALICE).header("Idempotency-Key", key).body(body).post("/media");
        Response again = as(ALICE).header("Idempotency-Key", key)
                .body("{ \"sourceUrl\" : \"https://uploads.example/retried.mp4\" }").post("/media");

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.header("Location")).isEqualTo(first.header("Location"));
        String id = first.jsonPath().getString("id");
        assertThat(again.jsonPath().getString("id")).isEqualTo(id);
        assertThat(uploadedEvents(id)).isEqualTo(1);
        as(ALICE).get("/media?limit=100").then().body("items.findAll { it.sourceUrl == 'https://uploads.example/retried.mp4' }.size()",
                equalTo(1));
    }

    @Test
    void theSameIdempotencyKeyWithAnotherRequestIs422AndStoresNothing() {
        String key = UUID.randomUUID().toString();
        String id = as(ALICE).header("Idempotency-Key", key).body(upload("https://uploads.example/one.mp4", null))
                .post("/media").then().statusCode(202).extract().path("id");

        as(ALICE).header("Idempotency-Key", key).body(upload("https://uploads.example/two.mp4", null)).post("/media")
                .then().statusCode(422).body("code", equalTo("idempotency_key_reused"))
                .body("detail", org.hamcrest.Matchers.containsString("Idempotency-Key"));
        as(ALICE).header("Idempotency-Key", key).post("/media/" + id + "/reprocess").then().statusCode(422);

        as(ALICE).get("/media?limit=100").then().body("items.sourceUrl", not(hasItem("https://uploads.example/two.mp4")));
    }

    @Test
    void idempotencyKeysAreScopedToTheCaller() {
        String key = UUID.randomUUID().toString();
        String body = upload("https://uploads.example/shared-key.mp4", null);

        String alices = as(ALICE).header("Idempotency-Key", key).body(body).post("/media").then().statusCode(202)
                .extract().path("id");
        Response bobs = as(BOB).header("Idempotency-Key", key).body(body).post("/media");

        assertThat(bobs.statusCode()).isEqualTo(202);
        assertThat(bobs.header("Idempotent-Replayed")).isNull();
        assertThat(bobs.jsonPath().getString("id")).isNotEqualTo(alices);
    }

    @Test
    void aMalformedIdempotencyKeyIsA400NamingTheHeader() {
        as(ALICE).header("Idempotency-Key", "x".repeat(256)).body(upload("https://uploads.example/k.mp4", null))
                .post("/media").then().statusCode(400).body("errors[0].field", equalTo("Idempotency-Key"));
        as(ALICE).header("Idempotency-Key", "has space").body(upload("https://uploads.example/k.mp4", null))
                .post("/media").then().statusCode(400).body("errors[0].field", equalTo("Idempotency-Key"));
    }

    @Test
    void aRetriedReprocessWithTheSameIdempotencyKeyStartsOneRound() {
        String id = newId();
        as(ALICE).body(upload("https://uploads.example/re.mp4", id)).post("/media").then().statusCode(202);
        as(ALICE).delete("/media/" + id).then().statusCode(200);
        String key = UUID.randomUUID().toString();

        Response first = as(ALICE).header("Idempotency-Key", key).post("/media/" + id + "/reprocess");
        Response again = as(ALICE).header("Idempotency-Key", key).post("/media/" + id + "/reprocess");

        assertThat(List.of(first.statusCode(), again.statusCode())).containsExactly(202, 202);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.jsonPath().getString("status")).isEqualTo("processing");
        long round1 = MediaFixture.eventsFor(MediaEvents.UPLOADED, id).stream()
                .filter(e -> e.path("data").path("round").asInt() == 1).count();
        long round2 = FakeInngestApi.receivedEvents().stream().filter(e -> e.path("data").path("mediaId").asText().equals(id)
                && e.path("data").path("round").asInt() == 2).count();
        assertThat(round1).isEqualTo(1);
        assertThat(round2).isZero();
        // without the key, a record still processing is refused as before
        as(ALICE).post("/media/" + id + "/reprocess").then().statusCode(409);
    }

    @Test
    void aRotatedKeyUnderTheSameNameKeepsItsOwnersRecords() {
        String id = newId();
        as(ALICE).body(upload("https://uploads.example/rotated.mp4", id)).post("/media").then().statusCode(202);

        as(ALICE_NEXT).get("/media/" + id).then().statusCode(200).body("owner", equalTo("alice"));
        as(ALICE_NEXT).body(upload("https://uploads.example/rotated.mp4", id)).post("/media").then().statusCode(202)
                .body("id", equalTo(id));
    }

    @Test
    void theOpenApiDocumentDescribesTheIdempotencyKeyAndTheRoles() {
        String document = given().get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        var json = io.restassured.path.json.JsonPath.from(document);
        assertThat(json.getList("paths.'/media'.post.parameters.name", String.class)).contains("Idempotency-Key");
        assertThat(json.getList("paths.'/media/{id}/reprocess'.post.parameters.name", String.class))
                .contains("Idempotency-Key");
        assertThat(json.getMap("paths.'/media'.post.responses")).containsKey("422");
        assertThat(document).contains("media:admin");
    }
}
