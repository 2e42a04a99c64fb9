package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

import io.mediafanout.inngest.TestHashes;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.AppProcess;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.FakeOidcProvider;
import io.mediafanout.testing.PostgresTestResource;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.TestApiKey;

/**
 * The production jar as a process: it refuses to start without the keys it needs (the media API takes API keys, an
 * identity provider's access tokens, or both); on SIGTERM it lets a step
 * call in flight finish and exits within its shutdown timeout (30 s, under Kubernetes' 35 s grace period), and a run
 * it was part of goes on on the next instance (Inngest holds every wait, so a run does not live in a process).
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
        assertRefusesToStart(Map.of("media.ittybit.api-key", "k",
                "quarkus.rest-client.ittybit.url", ittybit.get("quarkus.rest-client.ittybit.url")),
                "INNGEST_SIGNING_KEY is not set");
    }

    @Test
    void refusesToStartInDevModeUnlessDevModeIsAllowedInProduction() throws Exception {
        assertRefusesToStart(Map.of("inngest.dev", "1", "media.ittybit.api-key", "k"),
                "INNGEST_DEV is set in the production profile", "INNGEST_ALLOW_DEV_MODE_IN_PROD");
    }

    @Test
    void refusesToStartInCloudModeWithoutAServeOrigin() throws Exception {
        assertRefusesToStart(Map.of("inngest.dev", "0", "inngest.signing-key", "signkey-prod-" + "ab".repeat(32),
                "inngest.event-key", "e", "media.ittybit.api-key", "k"), "INNGEST_SERVE_ORIGIN is not set");
    }

    @Test
    void refusesToStartWithoutMediaApiKeysOrAnIdentityProvider() throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(devSettings(freePort()));
        settings.put("media.api.keys", "");
        assertRefusesToStart(settings, "MEDIA_API_KEYS is not set", "QUARKUS_OIDC_AUTH_SERVER_URL");
    }

    /**
     * With an OTLP endpoint set, the jar turns tracing on and sends its spans there (OTLP over HTTP, protobuf), with
     * the service's name: the collector is a recording server on 127.0.0.1.
     */
    @Test
    void exportsItsSpansOverOtlpWhenACollectorIsConfigured() throws Exception {
        try (RecordingHttpServer collector = new RecordingHttpServer()
                .route("POST", "/", request -> new RecordingHttpServer.Reply(200, "", Map.of()))) {
            int port = freePort();
            Map<String, String> settings = new java.util.HashMap<>(devSettings(port));
            settings.put("quarkus.otel.exporter.otlp.traces.endpoint", collector.url());
            settings.put("quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf");
            settings.put("quarkus.otel.bsp.schedule.delay", "PT0.2S");
            Path output = Files.createTempFile("media-fanout-otlp", ".log");
            Process app = launch(settings, output);
            try {
                AppProcess.waitUntilReady(port);
                HttpClient http = HttpClient.newHttpClient();
                assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/media?limit=1"))
                        .header("Authorization", TestApiKey.AUTHORIZATION).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode()).isEqualTo(200);
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                // batches leave on a schedule: spans of the start (database, scheduler) may come in a batch of their own
                while (collector.received(r -> r.path().equals("/v1/traces") && r.body().contains("/media")).isEmpty()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(collector.received(r -> r.path().equals("/v1/traces"))).as("log: " + output)
                        .isNotEmpty().allSatisfy(r -> {
                            assertThat(r.header("content-type")).isEqualTo("application/x-protobuf");
                            assertThat(r.body()).contains("media-fanout");
                        })
                        .anySatisfy(r -> assertThat(r.body()).as("the request's span").contains("/media"));
            } finally {
                app.destroyForcibly();
                app.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * An identity provider instead of API keys: the jar starts (OIDC discovery against a fake provider on 127.0.0.1)
     * and takes the provider's access tokens; there is no key to take.
     */
    @Test
    void startsWithAnIdentityProviderAndNoApiKeys() throws Exception {
        int port = freePort();
        Map<String, String> settings = new java.util.HashMap<>(devSettings(port));
        settings.put("media.api.keys", "");
        settings.putAll(FakeOidcProvider.settings());
        Path output = Files.createTempFile("media-fanout-oidc", ".log");
        Process app = launch(settings, output);
        try {
            AppProcess.waitUntilReady(port);
            HttpClient http = HttpClient.newHttpClient();
            URI list = URI.create("http://localhost:" + port + "/media?limit=1");
            String token = FakeOidcProvider.token().subject("ops").roles("media:read").authorization();
            assertThat(http.send(HttpRequest.newBuilder(list).header("Authorization", token).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).as("log: " + output).isEqualTo(200);
            assertThat(http.send(HttpRequest.newBuilder(list).header("Authorization", TestApiKey.AUTHORIZATION).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
            assertThat(http.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(401);
            assertThat(Files.readString(output)).contains("OIDC access tokens accepted").doesNotContain(token.substring(7));
        } finally {
            app.destroyForcibly();
            app.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The schema at start: the jar migrates a new database with Flyway before it serves, and a second start on the
     * same database finds every version applied and does not run Flyway at all.
     */
    @Test
    void migratesANewDatabaseAndSkipsFlywayOnTheNextStart() throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(devSettings(freePort()));
        settings.putAll(postgres.newDatabase());
        for (String expected : List.of("migrating with Flyway", "Database schema is current")) {
            int port = freePort();
            settings.put("quarkus.http.port", Integer.toString(port));
            Path output = Files.createTempFile("media-fanout-schema", ".log");
            Process app = AppProcess.launch(settings, output);
            try {
                AppProcess.waitUntilReady(port);
                String log = Files.readString(output);
                assertThat(log).as("log: " + output).contains(expected);
                if (expected.startsWith("Database schema is current")) {
                    assertThat(log).doesNotContain("org.flywaydb");
                }
            } finally {
                app.destroyForcibly();
                app.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void refusesToStartWithoutAnIttybitKey() throws Exception {
        assertRefusesToStart(Map.of("inngest.dev", "1", "inngest.allow-dev-mode-in-prod", "true"),
                "ITTYBIT_API_KEY is not set");
    }

    /** The jar, started with {@code settings}, exits with an error whose log says {@code reasons}. */
    private static void assertRefusesToStart(Map<String, String> settings, String... reasons) throws Exception {
        Path output = Files.createTempFile("media-fanout", ".log");
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.putIfAbsent("quarkus.http.port", Integer.toString(freePort()));
        Process app = launch(all, output);
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the process exits").isTrue();
        assertThat(app.exitValue()).isNotZero();
        assertThat(Files.readString(output)).contains(reasons);
    }

    /** Dev-mode settings of an instance on {@code port}, with the fakes. */
    private static Map<String, String> devSettings(int port) {
        Map<String, String> settings = new java.util.HashMap<>(ittybit);
        settings.putAll(inngestApi);
        settings.put("inngest.dev", "1");
        settings.put("inngest.allow-dev-mode-in-prod", "true");
        settings.put("quarkus.http.port", Integer.toString(port));
        return settings;
    }

    /** Sends SIGTERM, as Kubernetes does on a rollout, and returns how long the process took to exit. */
    private static Duration terminate(Process app, Path output) throws Exception {
        long start = System.nanoTime();
        app.destroy();
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the process exits; log: " + output).isTrue();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.err.println("exited " + took.toMillis() + " ms after SIGTERM");
        assertThat(app.exitValue()).as("clean exit; log: " + output).isIn(0, 143);
        return took;
    }

    @Test
    void letsAStepCallInFlightFinishOnSigterm() throws Exception {
        int port = freePort();
        Path output = Files.createTempFile("media-fanout", ".log");
        Process app = launch(devSettings(port), output);
        HttpClient http = HttpClient.newHttpClient();
        try {
            AppProcess.waitUntilReady(port);
            String mediaId = "sig_" + UUID.randomUUID().toString().substring(0, 8);
            // no step waits for Ittybit any more; a slow Ittybit answer keeps the create step in flight
            FakeIttybit.Script script = FakeIttybit.script(mediaId, "adaptive_video");
            script.slowBy = Duration.ofSeconds(4);
            script.slowCreates = 1;
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
            CompletableFuture<Duration> exit = CompletableFuture.supplyAsync(() -> {
                try {
                    return terminate(app, output);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            HttpResponse<String> response = call.get(60, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(206);
            assertThat(response.body()).contains("\"op\":\"StepRun\"").contains(TestHashes.of("hls-package"));
            assertThat(exit.get(60, TimeUnit.SECONDS)).as("exit within the shutdown timeout (30 s)")
                    .isLessThan(Duration.ofSeconds(35));
            assertThat(FakeIttybit.tasks(mediaId, "adaptive_video")).hasSize(1);
        } finally {
            app.destroyForcibly();
        }
    }

    /**
     * A SIGTERM lands while a run is in progress and a branch is paused (Inngest holds the wait): the process exits
     * within the shutdown timeout, and the run, continued by Inngest against the next instance (same database),
     * completes without any memoised step being executed again.
     */
    @Test
    void aRunInterruptedBySigtermCompletesOnTheNextInstance() throws Exception {
        int port = freePort();
        Path output = Files.createTempFile("media-fanout-rollout", ".log");
        String mediaId = "roll_" + UUID.randomUUID().toString().substring(0, 8);
        // the HLS task is read 4 times (2 s wait, then sleeps of 2, 4 and 8 s): the SIGTERM lands in one of them
        FakeIttybit.script(mediaId, "adaptive_video").readsBeforeEnd = 3;
        Process first = launch(devSettings(port), output);
        Process second = null;
        ExecutorEmulator.Outage outage = new ExecutorEmulator.Outage();
        try {
            AppProcess.waitUntilReady(port);
            ExecutorEmulator emulator = new ExecutorEmulator(URI.create("http://localhost:" + port + "/api/inngest"),
                    "media-pipeline-fanout-adaptive-streaming", Optional.empty(), 3, Duration.ofMillis(200))
                    .connectionRetryDelay(Duration.ofSeconds(1)).beforeCall(outage::hold);
            CompletableFuture<ExecutorEmulator.Run> run = emulator.runAsync("video/uploaded", new ObjectMapper()
                    .createObjectNode().put("mediaId", mediaId).put("sourceUrl", "https://uploads.example/" + mediaId + ".mp4"));
            // every task exists and the HLS one was found processing: its branch sleeps in Inngest
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!(FakeIttybit.tasks(mediaId).size() == 4 && FakeIttybit.tasks(mediaId, "adaptive_video").get(0)
                    .reads().get() >= 1)) {
                assertThat(System.nanoTime()).as("the HLS task was read").isLessThan(deadline);
                assertThat(run).as("the run is in progress").isNotDone();
                Thread.sleep(20);
            }
            outage.begin();
            Duration took = terminate(first, output);
            assertThat(took).as("exit within the shutdown timeout (30 s)").isLessThan(Duration.ofSeconds(35));
            assertThat(run).as("the run is still in progress").isNotDone();

            second = launch(devSettings(port), output);
            AppProcess.waitUntilReady(port);
            outage.end();
            ExecutorEmulator.Run done = run.get(180, TimeUnit.SECONDS);

            assertThat(done.status()).as("log: " + output).isEqualTo("completed");
            for (String kind : List.of("adaptive_video", "image", "video", "audio")) {
                assertThat(FakeIttybit.creates(mediaId, kind)).as(kind + " is created once").hasSize(1);
                assertThat(FakeIttybit.tasks(mediaId, kind)).as(kind).hasSize(1);
            }
            assertThat(FakeIttybit.tasks(mediaId, "adaptive_video").get(0).reads().get()).isEqualTo(4);
            assertThat(AppProcess.media(port, mediaId).body()).contains("\"status\":\"ready\"");
        } finally {
            outage.end();
            first.destroyForcibly();
            if (second != null) {
                second.destroyForcibly();
                second.waitFor(30, TimeUnit.SECONDS);
            }
        }
        // production logs are JSON lines carrying the run and media ids
        List<String> lines = Files.readAllLines(output).stream().filter(l -> l.contains("Branch hls-package")).toList();
        assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line).startsWith("{").contains("\"runId\"")
                .contains("\"mediaId\""));
    }

}
