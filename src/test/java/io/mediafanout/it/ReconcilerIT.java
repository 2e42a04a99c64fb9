package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.PackagedApp;
import io.mediafanout.testing.PackagedApp.Replica;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.TestApiKey;

/**
 * Two replicas of the packaged service share one database, each running the reconciler every second (the first pass
 * a second after start): an upload whose event Inngest refused is sent again exactly once, and a record processing
 * for longer than the maximum age is marked abandoned exactly once, by whichever replica holds the lock. "Once" is
 * checked after a later pass has run (seen by the record it was left to handle), not after a sleep.
 */
class ReconcilerIT {

    @RegisterExtension
    static final PackagedApp app = PackagedApp.create().withFakes().devMode()
            .set("media.reconciler.every", "1s")
            .set("media.reconciler.first-delay", "1s")
            .set("media.reconciler.resend-after", "PT2S")
            .startBeforeAll(2);

    @Test
    void anUploadWhoseEventInngestRefusedIsSentAgainExactlyOnceByTwoReplicas() throws Exception {
        String id = PackagedFixture.newId("recit");
        String eventId = "video-uploaded-" + id;
        double resentBefore = sum("media_events_resent_total");
        FakeInngestApi.server().route("POST", "/e/", r -> RecordingHttpServer.Reply.json(503, "{\"error\":\"down\"}"));
        HttpResponse<String> refused = PackagedFixture.post(app.replica(0).url("/"), TestApiKey.AUTHORIZATION,
                PackagedFixture.uploadBody(id));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        FakeInngestApi.reset();

        waitUntil("Inngest received the event again", Duration.ofSeconds(30), () -> FakeInngestApi.receivedEvents()
                .stream().anyMatch(e -> e.path("id").asText().equals(eventId)));
        // taken by Inngest, so marked sent; then as if resend-after had passed many times over: a pass that did not
        // know it was sent would send it again at once
        waitUntil("the record is marked sent", Duration.ofSeconds(10), () -> eventSent(id));
        // the event sent again is the record's own, as the API builds it: its stored outputs included
        assertThat(PackagedFixture.sentUploaded(id).path("data").path("outputs").isObject()).isTrue();
        sql("update media set event_attempted_at = now() - interval '1 hour' where id = '" + id + "'");
        awaitALaterPass();

        assertThat(FakeInngestApi.server().received(r -> r.path().startsWith("/e/") && r.body().contains(eventId)))
                .as("logs: " + app.replicas()).hasSize(1);
        // counted once the pass has marked its event sent, just after the marker this test waited for
        waitUntil("the later pass's event is counted", Duration.ofSeconds(10),
                () -> sumOrZero("media_events_resent_total") - resentBefore >= 2.0);
        assertThat(sum("media_events_resent_total") - resentBefore).as("this record's event and the later pass's")
                .isEqualTo(2.0);
    }

    @Test
    void aRecordProcessingPastTheMaximumAgeIsMarkedAbandonedExactlyOnceByTwoReplicas() throws Exception {
        String id = PackagedFixture.newId("recit");
        String abandoned = "media_runs_total\\{[^}]*outcome=\"abandoned\"[^}]*\\}";
        double abandonedBefore = sum(abandoned);
        // a record whose round started 25 hours ago: no upload can make one (the API stamps the round now), so the
        // row is written as such a record would have been
        sql("insert into media (id, status, source_url, round_started_at, event_attempted_at, event_sent_at) values ('"
                + id + "', 'processing', 'https://uploads.example/" + id + ".mp4', now() - interval '25 hours', "
                + "now() - interval '25 hours', now() - interval '25 hours')");
        waitUntil("the record is failed", Duration.ofSeconds(30), () -> media(id).contains("\"status\":\"failed\""));
        // a pass after the one that marked it: it would mark the record again were it still taken for processing
        awaitALaterPass();

        assertThat(media(id)).contains("\"code\":\"abandoned\"");
        // counted by the replica that marked it, once its transaction committed
        waitUntil("the abandoned run is counted", Duration.ofSeconds(10), () -> sumOrZero(abandoned) > abandonedBefore);
        assertThat(sum(abandoned) - abandonedBefore).isEqualTo(1.0);
    }

    /**
     * Waits until a pass that started after this call has ended, on whichever replica holds the lock: it finds a
     * record left for it (processing, its event never accepted, last tried long ago), sends its event again and marks
     * it sent. The marker is written straight to the database: an upload's event is tried at once, and the marker must
     * look tried an hour ago without the event API refusing every other upload meanwhile.
     */
    private static void awaitALaterPass() throws Exception {
        String marker = PackagedFixture.newId("recit_pass");
        sql("insert into media (id, status, source_url, round_started_at, event_attempted_at) values ('" + marker
                + "', 'processing', 'https://uploads.example/" + marker + ".mp4', now(), now() - interval '1 hour')");
        waitUntil("a later pass sent " + marker, Duration.ofSeconds(30), () -> eventSent(marker));
    }

    private static void sql(String statement) throws Exception {
        assertThat(app.update(statement)).as(statement).isEqualTo(1);
    }

    private static boolean eventSent(String id) {
        try {
            return !app.rows("select id from media where id = ? and event_sent_at is not null", id).isEmpty();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double sumOrZero(String metric) {
        try {
            return sum(metric);
        } catch (Exception e) {
            return 0;
        }
    }

    private static String media(String id) {
        try {
            return app.replica(1).media(id).body();
        } catch (Exception e) {
            return "";
        }
    }

    /** A counter summed over both replicas' Prometheus endpoints. */
    private static double sum(String metric) throws Exception {
        double total = 0;
        Pattern line = Pattern.compile("^" + metric + "(\\{[^}]*\\})? ([0-9.eE+-]+)$", Pattern.MULTILINE);
        for (Replica replica : app.replicas()) {
            Matcher m = line.matcher(replica.send(replica.request("/q/metrics")).body());
            while (m.find()) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }

    private static void waitUntil(String what, Duration timeout, Callable<Boolean> condition) {
        PackagedFixture.await(what + "; logs: " + app.replicas(), timeout, condition);
    }
}
