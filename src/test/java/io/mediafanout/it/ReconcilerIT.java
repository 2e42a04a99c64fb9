package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.PackagedApp;
import io.mediafanout.testing.PackagedApp.Replica;
import io.mediafanout.testing.RecordingHttpServer;

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
        String id = "recit_" + UUID.randomUUID().toString().substring(0, 8);
        String eventId = "video-uploaded-" + id;
        double resentBefore = sum("media_events_resent_total");
        FakeInngestApi.server().route("POST", "/e/", r -> RecordingHttpServer.Reply.json(503, "{\"error\":\"down\"}"));
        HttpResponse<String> refused = app.replica(0).post("/media", "{\"sourceUrl\":\"https://uploads.example/" + id
                + ".mp4\",\"mediaId\":\"" + id + "\"}");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        FakeInngestApi.reset();

        waitUntil("Inngest received the event again", Duration.ofSeconds(30), () -> FakeInngestApi.receivedEvents()
                .stream().anyMatch(e -> e.path("id").asText().equals(eventId)));
        // taken by Inngest, so marked sent; then as if resend-after had passed many times over: a pass that did not
        // know it was sent would send it again at once
        waitUntil("the record is marked sent", Duration.ofSeconds(10), () -> eventSent(id));
        sql("update media set event_attempted_at = now() - interval '1 hour' where id = '" + id + "'");
        awaitALaterPass();

        assertThat(FakeInngestApi.server().received(r -> r.path().startsWith("/e/") && r.body().contains(eventId)))
                .as("logs: " + app.replicas()).hasSize(1);
        assertThat(sum("media_events_resent_total") - resentBefore).as("this record's event and the later pass's")
                .isEqualTo(2.0);
    }

    @Test
    void aRecordProcessingPastTheMaximumAgeIsMarkedAbandonedExactlyOnceByTwoReplicas() throws Exception {
        String id = "recit_" + UUID.randomUUID().toString().substring(0, 8);
        String abandoned = "media_runs_total\\{[^}]*outcome=\"abandoned\"[^}]*\\}";
        double abandonedBefore = sum(abandoned);
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
     * it sent.
     */
    private static void awaitALaterPass() throws Exception {
        String marker = "recit_pass_" + UUID.randomUUID().toString().substring(0, 8);
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

    private static void waitUntil(String what, Duration timeout, BooleanSupplier condition) {
        PackagedApp.await(what + "; logs: " + app.replicas(), timeout, condition);
    }
}
