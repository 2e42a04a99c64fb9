package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.mediafanout.inngest.TestHashes;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.AppProcess;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.PostgresTestResource;

/**
 * The production jar as a process: it refuses to start without the keys it needs, and on SIGTERM it lets a step
 * call in flight finish before it exits.
 */
class ProductionProcessIT {

    static PostgresTestResource postgres = new PostgresTestResource();
    static Map<String, String> database;
    static Map<String, String> ittybit;
    static Map<String, String> inngestApi;

    @BeforeAll
    static void start() {
        assumeTrue(AppProcess.jarExists(), "the JVM jar is built");
        database = postgres.start();
        ittybit = new FakeIttybit().start();
        inngestApi = new FakeInngestApi().start();
    }

    @AfterAll
    static void stop() {
        if (database != null) {
            postgres.stop();
        }
    }

    private static int freePort() throws IOException {
        return AppProcess.freePort();
    }

    /** The jar with the database and the given settings. */
    private static Process launch(Map<String, String> settings, Path output) throws IOException {
        Map<String, String> all = new java.util.HashMap<>(database);
        all.putAll(settings);
        return AppProcess.launch(all, output);
    }

    @Test
    void refusesToStartInCloudModeWithoutASigningKey() throws Exception {
        Path output = Files.createTempFile("media-fanout", ".log");
        Process app = launch(Map.of("quarkus.http.port", Integer.toString(freePort()),
                "media.ittybit.api-key", "k", "quarkus.rest-client.ittybit.url", ittybit.get("quarkus.rest-client.ittybit.url")), output);
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the process exits").isTrue();
        assertThat(app.exitValue()).isNotZero();
        assertThat(Files.readString(output)).contains("INNGEST_SIGNING_KEY is not set");
    }

    @Test
    void refusesToStartWithoutAnIttybitKey() throws Exception {
        Path output = Files.createTempFile("media-fanout", ".log");
        Process app = launch(Map.of("quarkus.http.port", Integer.toString(freePort()), "inngest.dev", "1"), output);
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the process exits").isTrue();
        assertThat(app.exitValue()).isNotZero();
        assertThat(Files.readString(output)).contains("ITTYBIT_API_KEY is not set");
    }

    @Test
    void letsAStepCallInFlightFinishOnSigterm() throws Exception {
        int port = freePort();
        Path output = Files.createTempFile("media-fanout", ".log");
        Map<String, String> settings = new java.util.HashMap<>(ittybit);
        settings.putAll(inngestApi);
        settings.put("inngest.dev", "1");
        settings.put("quarkus.http.port", Integer.toString(port));
        Process app = launch(settings, output);
        HttpClient http = HttpClient.newHttpClient();
        try {
            AppProcess.waitUntilReady(port);
            String mediaId = "sig_" + UUID.randomUUID().toString().substring(0, 8);
            // the HLS task needs several reads (about 4 s with the default polling) before it completes
            FakeIttybit.script(mediaId, "adaptive_video").readsBeforeEnd = 3;
            String event = "{\"name\":\"video/uploaded\",\"data\":{\"mediaId\":\"" + mediaId
                    + "\",\"sourceUrl\":\"https://uploads.example/v.mp4\"},\"id\":\"e\",\"ts\":1,\"user\":{}}";
            String body = "{\"event\":" + event + ",\"events\":[" + event + "],\"steps\":{},\"ctx\":{\"run_id\":\"r-"
                    + mediaId + "\",\"attempt\":0,\"max_attempts\":4,\"stack\":{\"stack\":[]},"
                    + "\"disable_immediate_execution\":true,\"use_api\":false},\"version\":2}";
            CompletableFuture<HttpResponse<String>> call = http.sendAsync(HttpRequest.newBuilder(URI.create(
                    "http://localhost:" + port + "/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId="
                            + TestHashes.of("hls-package")))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            Thread.sleep(1500);
            assertThat(call).as("the step is still running").isNotDone();
            app.destroy(); // SIGTERM, as Kubernetes does on a rollout

            HttpResponse<String> response = call.get(60, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(206);
            assertThat(response.body()).contains("\"op\":\"StepRun\"");
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(app.exitValue()).as("clean exit; log: " + output).isIn(0, 143);
        } finally {
            app.destroyForcibly();
        }
        // production logs are JSON lines carrying the run and media ids
        List<String> lines = Files.readAllLines(output).stream().filter(l -> l.contains("Branch hls-package")).toList();
        assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line).startsWith("{").contains("\"runId\"")
                .contains("\"mediaId\""));
    }

}
