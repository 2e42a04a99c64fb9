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
 * The service is killed ({@code kill -9}) while a branch waits for its Ittybit task, then started again: the run
 * completes, the branches already memoised are not called again, and the interrupted branch finds its task again
 * instead of creating a second one.
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
        // the HLS task needs several reads: the service is killed while it waits
        FakeIttybit.script(mediaId, "adaptive_video").readsBeforeEnd = 4;

        Process first = AppProcess.launch(settings, output);
        Process second = null;
        try {
            AppProcess.waitUntilReady(port);
            ExecutorEmulator emulator = new ExecutorEmulator(URI.create("http://localhost:" + port + "/api/inngest"),
                    "media-pipeline-fanout-adaptive-streaming", Optional.empty(), 3, Duration.ofMillis(200))
                    .connectionRetryDelay(Duration.ofSeconds(4));
            CompletableFuture<ExecutorEmulator.Run> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return emulator.run("video/uploaded", new ObjectMapper().createObjectNode().put("mediaId", mediaId)
                            .put("sourceUrl", "https://uploads.example/" + mediaId + ".mp4"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            waitForBranches(port, mediaId, 3);
            first.destroyForcibly(); // SIGKILL: no graceful shutdown
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();

            second = AppProcess.launch(settings, output);
            AppProcess.waitUntilReady(port);
            ExecutorEmulator.Run done = run.get(120, TimeUnit.SECONDS);

            assertThat(done.status()).as("log: " + output).isEqualTo("completed");
            for (String kind : List.of("image", "video", "audio")) {
                assertThat(FakeIttybit.creates(mediaId, kind)).as(kind + " is not called again").hasSize(1);
            }
            assertThat(FakeIttybit.tasks(mediaId, "adaptive_video")).as("the interrupted branch found its task again")
                    .hasSize(1);
            assertThat(FakeIttybit.creates(mediaId, "adaptive_video")).hasSizeGreaterThan(1);
            assertThat(done.calls()).anyMatch(call -> call.status() == 0);
            HttpResponse<String> media = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/media/" + mediaId)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(media.body()).contains("\"status\":\"ready\"");
        } finally {
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
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && r.body().split("\"status\":\"completed\"", -1).length - 1 >= count) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("branches did not complete");
    }
}
