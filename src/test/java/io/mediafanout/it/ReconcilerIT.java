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
 * is marked abandoned exactly once, by whichever replica holds the lock.
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
        Thread.sleep(6_000); // six more passes on each replica
        assertThat(FakeInngestApi.server().received(r -> r.path().startsWith("/e/") && r.body().contains(eventId)))
                .as("log: " + output).hasSize(1);
        assertThat(sum("media_events_resent_total")).isEqualTo(1.0);
    }

    @Test
    void aRecordProcessingPastTheMaximumAgeIsMarkedAbandonedExactlyOnceByTwoReplicas() throws Exception {
        String id = "recit_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = DriverManager.getConnection(settings.get("quarkus.datasource.jdbc.url"),
                settings.get("quarkus.datasource.username"), settings.getOrDefault("quarkus.datasource.password", ""));
                Statement s = c.createStatement()) {
            s.executeUpdate("insert into media (id, status, source_url, round_started_at, event_attempted_at, "
                    + "event_sent_at) values ('" + id + "', 'processing', 'https://uploads.example/" + id + ".mp4', "
                    + "now() - interval '25 hours', now() - interval '25 hours', now() - interval '25 hours')");
        }
        waitUntil(Duration.ofSeconds(30), () -> media(id).contains("\"status\":\"failed\""));
        Thread.sleep(3_000);
        assertThat(media(id)).contains("\"code\":\"abandoned\"");
        assertThat(sum("media_runs_total\\{[^}]*outcome=\"abandoned\"[^}]*\\}")).isEqualTo(1.0);
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
