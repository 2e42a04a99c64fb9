package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.mediafanout.testing.AppProcess;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.PostgresTestResource;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.TestApiKey;

/**
 * Two replicas of the packaged service share one database, each running the reconciler every second: an upload
 * whose event Inngest refused is sent again exactly once, and a record processing for longer than the maximum age
 * is marked abandoned exactly once, by whichever replica holds the lock. "Once" is checked after a later pass has
 * run (seen by the record it was left to handle), not after a sleep.
 */
class ReconcilerIT {

    static PostgresTestResource postgres = new PostgresTestResource();
    static Map<String, String> settings = new HashMap<>();
    static List<Process> replicas = new ArrayList<>();
    static List<Integer> ports = new ArrayList<>();
    static Path output;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(AppProcess.jarExists(), "the JVM jar is built");
        settings.putAll(postgres.start());
        settings.putAll(new FakeIttybit().start());
        settings.putAll(new FakeInngestApi().start());
        settings.put("inngest.dev", "1");
        settings.put("inngest.allow-dev-mode-in-prod", "true");
        settings.put("media.reconciler.every", "1s");
        settings.put("media.reconciler.resend-after", "PT2S");
        output = Files.createTempFile("media-fanout-reconciler", ".log");
        for (int i = 0; i < 2; i++) {
            int port = AppProcess.freePort();
            Map<String, String> own = new HashMap<>(settings);
            own.put("quarkus.http.port", Integer.toString(port));
            replicas.add(AppProcess.launch(own, output));
            ports.add(port);
        }
        for (int port : ports) {
            AppProcess.waitUntilReady(port);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process replica : replicas) {
            replica.destroy();
            replica.waitFor(40, TimeUnit.SECONDS);
        }
        if (!settings.isEmpty()) {
            postgres.stop();
        }
    }

    @Test
    void anUploadWhoseEventInngestRefusedIsSentAgainExactlyOnceByTwoReplicas() throws Exception {
        String id = "recit_" + UUID.randomUUID().toString().substring(0, 8);
        String eventId = "video-uploaded-" + id;
        double resentBefore = sum("media_events_resent_total");
        FakeInngestApi.server().route("POST", "/e/", r -> RecordingHttpServer.Reply.json(503, "{\"error\":\"down\"}"));
        HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + ports.get(0) + "/media"))
                .header("Authorization", TestApiKey.AUTHORIZATION).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"sourceUrl\":\"https://uploads.example/" + id
                        + ".mp4\",\"mediaId\":\"" + id + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        FakeInngestApi.reset();

        waitUntil(Duration.ofSeconds(30), () -> FakeInngestApi.receivedEvents().stream()
                .anyMatch(e -> e.path("id").asText().equals(eventId)));
        // taken by Inngest, so marked sent; then as if resend-after had passed many times over: a pass that did not
        // know it was sent would send it again at once
        waitUntil(Duration.ofSeconds(10), () -> eventSent(id));
        sql("update media set event_attempted_at = now() - interval '1 hour' where id = '" + id + "'");
        awaitALaterPass();

        assertThat(FakeInngestApi.server().received(r -> r.path().startsWith("/e/") && r.body().contains(eventId)))
                .as("log: " + output).hasSize(1);
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
        waitUntil(Duration.ofSeconds(30), () -> media(id).contains("\"status\":\"failed\""));
        // a pass after the one that marked it: it would mark the record again were it still taken for processing
        awaitALaterPass();

        assertThat(media(id)).contains("\"code\":\"abandoned\"");
        // counted by the replica that marked it, once its transaction committed
        waitUntil(Duration.ofSeconds(10), () -> sumOrZero(abandoned) > abandonedBefore);
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
        waitUntil(Duration.ofSeconds(30), () -> eventSent(marker));
    }

    private static void sql(String statement) throws Exception {
        try (Connection c = database(); Statement s = c.createStatement()) {
            assertThat(s.executeUpdate(statement)).as(statement).isEqualTo(1);
        }
    }

    private static boolean eventSent(String id) {
        try (Connection c = database(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select event_sent_at is not null from media where id = '" + id + "'")) {
            return rs.next() && rs.getBoolean(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Connection database() throws Exception {
        return DriverManager.getConnection(settings.get("quarkus.datasource.jdbc.url"),
                settings.get("quarkus.datasource.username"), settings.getOrDefault("quarkus.datasource.password", ""));
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
            return AppProcess.media(ports.get(1), id).body();
        } catch (Exception e) {
            return "";
        }
    }

    /** A counter summed over both replicas' Prometheus endpoints. */
    private static double sum(String metric) throws Exception {
        double total = 0;
        Pattern line = Pattern.compile("^" + metric + "(\\{[^}]*\\})? ([0-9.eE+-]+)$", Pattern.MULTILINE);
        for (int port : ports) {
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
            Matcher m = line.matcher(body);
            while (m.find()) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }

    private static void waitUntil(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out; log: " + output);
            }
            Thread.sleep(200);
        }
    }
}
