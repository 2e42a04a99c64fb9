package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.testing.AppProcess;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.PostgresTestResource;

/**
 * The service is killed ({@code kill -9}) mid-run, while Inngest holds a branch's wait for its Ittybit task, then
 * started again: the run completes, no memoised step body runs again (one create per kind, no read of a finished
 * branch), and the interrupted branch goes on reading the task it created.
 */
class CrashRecoveryIT {

    static PostgresTestResource postgres = new PostgresTestResource();
    static Map<String, String> settings = new HashMap<>();

    @BeforeAll
    static void start() {
        assumeTrue(AppProcess.jarExists(), "the JVM jar is built");
        settings.putAll(postgres.start());
        settings.putAll(new FakeIttybit().start());
        settings.putAll(new FakeInngestApi().start());
        settings.put("inngest.dev", "1");
        settings.put("inngest.allow-dev-mode-in-prod", "true");
    }

    @AfterAll
    static void stop() {
        if (!settings.isEmpty()) {
            postgres.stop();
        }
    }

    @Test
    void aRunSurvivesTheServiceBeingKilledAndRestarted() throws Exception {
        int port = AppProcess.freePort();
        settings.put("quarkus.http.port", Integer.toString(port));
        Path output = Files.createTempFile("media-fanout-crash", ".log");
        String mediaId = "crash_" + UUID.randomUUID().toString().substring(0, 8);
        // the HLS task needs 5 reads (a 2 s wait, then sleeps of 2, 4, 8, 16 s, halved by the emulator): the service
        // is killed while Inngest holds that branch's sleep
        FakeIttybit.script(mediaId, "adaptive_video").readsBeforeEnd = 4;

        Process first = AppProcess.launch(settings, output);
        Process second = null;
        ExecutorEmulator.Outage outage = new ExecutorEmulator.Outage();
        try {
            AppProcess.waitUntilReady(port);
            ExecutorEmulator emulator = new ExecutorEmulator(URI.create("http://localhost:" + port + "/api/inngest"),
                    "media-pipeline-fanout-adaptive-streaming", Optional.empty(), 3, Duration.ofMillis(200))
                    .connectionRetryDelay(Duration.ofSeconds(1)).timeScale(0.5).beforeCall(outage::hold);
            CompletableFuture<ExecutorEmulator.Run> run = emulator.runAsync("video/uploaded", new ObjectMapper()
                    .createObjectNode().put("mediaId", mediaId).put("sourceUrl", "https://uploads.example/" + mediaId + ".mp4"));
            waitForBranches(port, mediaId, 3);
            Thread.sleep(300); // the read steps that recorded those branches have answered
            assertThat(FakeIttybit.tasks(mediaId, "adaptive_video")).singleElement()
                    .satisfies(t -> assertThat(t.reads().get()).as("HLS reads before the kill").isBetween(1, 4));
            outage.begin();
            first.destroyForcibly(); // SIGKILL: no graceful shutdown
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(run).as("the run is still in progress").isNotDone();

            second = AppProcess.launch(settings, output);
            AppProcess.waitUntilReady(port);
            outage.end();
            ExecutorEmulator.Run done = run.get(120, TimeUnit.SECONDS);

            assertThat(done.status()).as("log: " + output).isEqualTo("completed");
            for (String kind : List.of("adaptive_video", "image", "video", "audio")) {
                // a memoised create step is never executed again: one POST per kind, one task
                assertThat(FakeIttybit.creates(mediaId, kind)).as(kind + " is created once").hasSize(1);
                assertThat(FakeIttybit.tasks(mediaId, kind)).as(kind).hasSize(1);
            }
            for (String kind : List.of("image", "video", "audio")) {
                // the branches done before the kill are replayed from memoised results: no read after them
                String task = FakeIttybit.tasks(mediaId, kind).get(0).id();
                assertThat(FakeIttybit.server().received(r -> r.path().equals("/tasks/" + task)))
                        .as(kind + " reads").hasSize(2);
            }
            assertThat(FakeIttybit.tasks(mediaId, "adaptive_video").get(0).reads().get()).isEqualTo(5);
            assertThat(AppProcess.media(port, mediaId).body()).contains("\"status\":\"ready\"");
        } finally {
            outage.end();
            first.destroyForcibly();
            if (second != null) {
                second.destroyForcibly();
                second.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Waits until {@code count} branches are completed (read from the media API). */
    private static void waitForBranches(int port, String mediaId, int count) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/media/" + mediaId))
                    .header("Authorization", io.mediafanout.testing.TestApiKey.AUTHORIZATION)
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && r.body().split("\"status\":\"completed\"", -1).length - 1 >= count) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("branches did not complete");
    }
}
