package io.mediafanout.media.service.reconciler;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.mediafanout.media.MediaFixture;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.RecordingHttpServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;

/**
 * The reconciler: a record whose {@code video/uploaded} event Inngest never accepted gets it sent again (once, with
 * its id), a record processing for longer than the maximum age is marked failed as {@code abandoned} (once), and a
 * pass does nothing while another replica holds the reconciler's lock.
 */
@QuarkusTest
class ReconcilerTests {

    /** The advisory lock key of the reconciler (MediaRepository.RECONCILER_LOCK). */
    static final long LOCK = 0x6d65646961726563L;

    @Inject
    MediaReconciler reconciler;

    @Inject
    io.mediafanout.media.service.pipeline.MediaRecords records;

    @Inject
    io.mediafanout.media.service.OutputOptions options;

    @AfterEach
    void restoreInngest() {
        FakeInngestApi.reset();
    }

    private static String newId() {
        return MediaFixture.newId("rec");
    }

    private MediaReconciler.Pass pass() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> reconciler.reconcile());
    }

    /** {@link #pass()} for Awaitility, which polls a {@code Callable}. */
    private MediaReconciler.Pass passOrThrow() throws Exception {
        try {
            return pass();
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static long sendsOf(String eventId) {
        return FakeInngestApi.server().received(r -> r.path().startsWith("/e/")).stream()
                .filter(r -> r.body().contains("\"" + eventId + "\"")).count();
    }

    private static Connection database() throws Exception {
        var config = ConfigProvider.getConfig();
        return DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getOptionalValue("quarkus.datasource.password", String.class).orElse(""));
    }

    /**
     * The resend delay ({@code media.reconciler.resend-after}, 2 minutes by default), which no test waits for: a record
     * is made due by moving its last attempt back ({@link #lastTriedLongAgo}), and one tried a moment ago stays left
     * alone however slow the machine.
     */
    private static Duration resendAfter() {
        return ConfigProvider.getConfig().getValue("media.reconciler.resend-after", Duration.class);
    }

    /** The record's event was last sent (or tried) longer than resend-after ago: as if that time had passed. */
    private static void lastTriedLongAgo(String id) throws Exception {
        try (Connection c = database(); PreparedStatement s = c.prepareStatement("update media set "
                + "event_attempted_at = event_attempted_at - make_interval(secs => ?) where id = ?")) {
            s.setDouble(1, resendAfter().plusSeconds(1).toMillis() / 1000.0);
            s.setString(2, id);
            assertThat(s.executeUpdate()).as("records moved back").isEqualTo(1);
        }
    }

    /**
     * A record as an older version or an interrupted request would have left it: hours or days old, its event sent or
     * not. The API cannot make one (an upload starts its round now and sends its event), so it is written here.
     */
    private static void insert(String id, String status, String roundStartedAgo, boolean eventSent) throws Exception {
        try (Connection c = database(); PreparedStatement s = c.prepareStatement("insert into media (id, status, "
                + "source_url, round_started_at, event_attempted_at, event_sent_at) values (?, ?, ?, "
                + "now() - ?::interval, now() - ?::interval, " + (eventSent ? "now() - ?::interval" : "null") + ")")) {
            s.setString(1, id);
            s.setString(2, status);
            s.setString(3, MediaFixture.sourceUrl(id));
            s.setString(4, roundStartedAgo);
            s.setString(5, roundStartedAgo);
            if (eventSent) {
                s.setString(6, roundStartedAgo);
            }
            s.executeUpdate();
        }
    }

    private static void upload(String id, int expectedStatus) {
        given().contentType("application/json").body(MediaFixture.uploadBody(id, "")).post("/media").then()
                .statusCode(expectedStatus);
    }

    @Test
    void anEventInngestRefusedIsSentAgainOnceByALaterPass() throws Throwable {
        FakeInngestApi.server().route("POST", "/e/", r -> RecordingHttpServer.Reply.json(503, "{\"error\":\"down\"}"));
        String id = newId();
        upload(id, 503);
        FakeInngestApi.reset();

        // tried less than resend-after ago: left alone (the client may still be repeating its request)
        assertThat(pass().resent()).doesNotContain(id);
        lastTriedLongAgo(id);
        assertThat(pass().resent()).contains(id);
        assertThat(sendsOf("video-uploaded-" + id)).isEqualTo(1);
        assertThat(FakeInngestApi.receivedEvents()).anySatisfy(event -> {
            assertThat(event.path("id").asText()).isEqualTo("video-uploaded-" + id);
            assertThat(event.path("data").path("sourceUrl").asText()).isEqualTo(MediaFixture.sourceUrl(id));
        });

        // accepted now: never sent again, however long ago it was sent
        lastTriedLongAgo(id);
        assertThat(pass().resent()).doesNotContain(id);
        assertThat(sendsOf("video-uploaded-" + id)).isEqualTo(1);
        given().get("/media/" + id).then().statusCode(200).body("status", equalTo("processing"));
    }

    @Test
    void anEventStillRefusedIsTriedAgainOnTheNextPassAfterTheResendDelay() throws Throwable {
        FakeInngestApi.server().route("POST", "/e/", r -> RecordingHttpServer.Reply.json(503, "{\"error\":\"down\"}"));
        String id = newId();
        upload(id, 503);
        long byTheUpload = sendsOf("video-uploaded-" + id);
        lastTriedLongAgo(id);
        assertThat(pass().resent()).doesNotContain(id);
        assertThat(sendsOf("video-uploaded-" + id)).isGreaterThan(byTheUpload);

        FakeInngestApi.reset();
        // tried by the failed pass: not again before resend-after has passed once more
        assertThat(pass().resent()).doesNotContain(id);
        assertThat(sendsOf("video-uploaded-" + id)).isZero();
        lastTriedLongAgo(id);
        assertThat(pass().resent()).contains(id);
        assertThat(sendsOf("video-uploaded-" + id)).isEqualTo(1);
    }

    @Test
    void anUploadWhoseEventWasAcceptedIsNeverSentAgain() throws Throwable {
        String id = newId();
        upload(id, 202);
        lastTriedLongAgo(id);
        assertThat(pass().resent()).doesNotContain(id);
        assertThat(sendsOf("video-uploaded-" + id)).isEqualTo(1);
    }

    @Test
    void aRecordOutsideInngestsEventIdWindowIsNotSentAgain() throws Throwable {
        // 23 h 30 min old: Inngest may have forgotten its event id, so sending it could start a second run
        String id = newId();
        insert(id, "processing", "23 hours 30 minutes", false);
        assertThat(pass().resent()).doesNotContain(id);
        assertThat(sendsOf("video-uploaded-" + id)).isZero();
    }

    @Test
    void aRecordProcessingLongerThanTheMaximumAgeIsMarkedAbandonedOnce() throws Throwable {
        String stale = newId();
        String recent = newId();
        String oldReady = newId();
        insert(stale, "processing", "25 hours", true);
        insert(recent, "processing", "2 hours", true);
        insert(oldReady, "ready", "30 days", true);

        MediaReconciler.Pass first = pass();
        assertThat(first.abandoned()).contains(stale).doesNotContain(recent, oldReady);
        assertThat(pass().abandoned()).doesNotContain(stale);

        given().get("/media/" + stale).then().statusCode(200).body("status", equalTo("failed"))
                .body("error.code", equalTo("abandoned")).body("error.message", equalTo(
                        "processing did not finish within the maximum age of a run"))
                .body("failedBranch", nullValue());
        given().get("/media/" + recent).then().statusCode(200).body("status", equalTo("processing"))
                .body("error", nullValue());
        given().get("/media/" + oldReady).then().statusCode(200).body("status", equalTo("ready"));
        // its terminal event, so that other apps and its callback hear of it: sent once, with its round's id
        assertThat(first.failedAnnounced()).contains(stale);
        assertThat(FakeInngestApi.receivedEvents()).filteredOn(e -> e.path("name").asText().equals("media/failed")
                && e.path("data").path("mediaId").asText().equals(stale)).singleElement().satisfies(e -> {
                    assertThat(e.path("id").asText()).isEqualTo("media-failed-" + stale + "-r0");
                    assertThat(e.path("data").path("code").asText()).isEqualTo("abandoned");
                });
    }

    @Test
    void anAbandonedRecordsFailedEventStaysDueUntilInngestTakesIt() throws Throwable {
        String stale = newId();
        insert(stale, "processing", "25 hours", true);
        FakeInngestApi.server().route("POST", "/e/", r -> io.mediafanout.testing.RecordingHttpServer.Reply.json(503, "{}"));

        MediaReconciler.Pass refused = pass();
        FakeInngestApi.reset();
        MediaReconciler.Pass next = pass();

        assertThat(refused.abandoned()).contains(stale);
        assertThat(refused.failedAnnounced()).doesNotContain(stale);
        assertThat(next.failedAnnounced()).contains(stale);
        assertThat(FakeInngestApi.receivedEvents()).filteredOn(e -> e.path("name").asText().equals("media/failed")
                && e.path("data").path("mediaId").asText().equals(stale)).hasSize(1);
    }

    @Test
    void anAbandonedRecordWhoseRunCompletesAfterAllIsReadyAndNoLongerDueAMediaFailed() throws Throwable {
        String late = newId();
        insert(late, "processing", "25 hours", true);
        FakeInngestApi.server().route("POST", "/e/", r -> io.mediafanout.testing.RecordingHttpServer.Reply.json(503, "{}"));
        assertThat(pass().abandoned()).contains(late);
        FakeInngestApi.reset();

        // the run was slow, not dead: its assemble step comes after the reconciler gave up on it. Called directly, on
        // a record the API cannot make (25 hours old, see insert): the point is assemble landing after that pass
        var outputs = options.defaults();
        var results = outputs.branches().stream().map(b -> new io.mediafanout.media.service.pipeline.BranchResult(
                b, "task_" + b.id(), "https://cdn.example/" + b.id())).toList();
        VertxContextSupport.subscribeAndAwait(() -> records.assemble(new io.mediafanout.media.domain.Upload(late,
                MediaFixture.sourceUrl(late), 0, outputs, null), results));

        given().get("/media/" + late).then().statusCode(200).body("status", equalTo("ready"));
        assertThat(pass().failedAnnounced()).doesNotContain(late);
        try (Connection c = database(); PreparedStatement due = c.prepareStatement(
                "select failed_event_due from media where id = ?")) {
            due.setString(1, late);
            var row = due.executeQuery();
            assertThat(row.next()).isTrue();
            assertThat(row.getBoolean(1)).as("failed_event_due").isFalse();
        }
        assertThat(FakeInngestApi.receivedEvents()).noneMatch(e -> e.path("name").asText().equals("media/failed")
                && e.path("data").path("mediaId").asText().equals(late));
    }

    @Test
    void aPassDoesNothingWhileAnotherReplicaHoldsTheLock() throws Throwable {
        String stale = newId();
        insert(stale, "processing", "25 hours", true);
        try (Connection other = database(); PreparedStatement lock = other.prepareStatement("select pg_advisory_lock(?)")) {
            lock.setLong(1, LOCK);
            lock.execute();
            MediaReconciler.Pass skipped = pass();
            assertThat(skipped.ran()).isFalse();
            given().get("/media/" + stale).then().statusCode(200).body("status", equalTo("processing"));
        }
        // the other replica's connection is gone, and its lock with it (once its server process has ended)
        MediaReconciler.Pass next = await("a pass runs once the other replica's lock is gone")
                .atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(this::passOrThrow, MediaReconciler.Pass::ran);
        assertThat(next.ran()).isTrue();
        assertThat(next.abandoned()).contains(stale);
    }
}
