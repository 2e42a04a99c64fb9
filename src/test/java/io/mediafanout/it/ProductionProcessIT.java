package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mediafanout.inngest.TestHashes;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.FakeOidcProvider;
import io.mediafanout.testing.PackagedApp;
import io.mediafanout.testing.PackagedApp.Replica;
import io.mediafanout.testing.RecordingHttpServer;

/**
 * The production jar as a process: it refuses to start without the keys it needs (the media API takes API keys, an
 * identity provider's access tokens, or both); on SIGTERM it lets a step
 * call in flight finish and exits within its shutdown timeout (30 s, under Kubernetes' 35 s grace period), and a run
 * it was part of goes on on the next instance (Inngest holds every wait, so a run does not live in a process).
 */
class ProductionProcessIT {

    /** The database; each test starts the jar with settings of its own, or reads the start they share. */
    @RegisterExtension
    static final PackagedApp app = PackagedApp.create();

    /**
     * Settings under which the jar must refuse to start, each launched as a pod runs it (the shipped JVM options:
     * C1 only, a quicker start), both together before the tests; each exits on its own, naming every setting that
     * stopped it, and each test checks the one it is about: a production start in cloud mode with no secret set at
     * all, and one in dev mode (not allowed in production) with a malformed API key and bad per-branch settings in its
     * environment.
     */
    static final String MALFORMED_API_KEY = "ci:" + "ab".repeat(32) + ":media-write";
    static Replica withNothingSetInCloudMode;
    static Replica inDevModeWithBadBranchSettings;

    /**
     * A start as production configures it beyond the keys, launched with the refusals: on a new database, an identity
     * provider's access tokens instead of API keys, spans sent to an OTLP collector. Three tests read it (the
     * migration, the tokens, the spans): one start instead of three.
     */
    static RecordingHttpServer collector;
    static Map<String, String> newDatabase;
    static Replica configured;

    @BeforeAll
    static void launchTheRefusalsAndAConfiguredStartTogether() throws Exception {
        collector = new RecordingHttpServer().route("POST", "/", request -> new RecordingHttpServer.Reply(200, "",
                Map.of()));
        newDatabase = app.newDatabase();
        configured = app.launch().withFakes().devMode().setAll(newDatabase)
                .set("media.api.keys", "").setAll(FakeOidcProvider.settings())
                .set("quarkus.otel.exporter.otlp.traces.endpoint", collector.url())
                .set("quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf")
                .set("quarkus.otel.bsp.schedule.delay", "PT0.2S").launch();
        withNothingSetInCloudMode = app.launch().asPod(256).set("inngest.dev", "0").set("media.api.keys", "")
                .launch();
        // per-branch settings are keyed by branch id, whose dashes an environment variable's name cannot tell apart
        // from the dots: the Deployment's variables still reach them
        inDevModeWithBadBranchSettings = app.launch().asPod(256).withFakes().set("inngest.dev", "1")
                .set("media.api.keys", MALFORMED_API_KEY).env("MEDIA_OUTPUTS_POSTER_IMAGE_FORMAT", "bmp").env("MEDIA_ITTYBIT_POSTER_IMAGE_RETRY_MAX_RETRIES", "-1")
                .launch();
        for (Replica refusal : List.of(withNothingSetInCloudMode, inDevModeWithBadBranchSettings)) {
            refusal.process().waitFor(60, TimeUnit.SECONDS); // each test checks its own
        }
        configured.awaitReady();
    }

    @AfterAll
    static void stopTheCollector() {
        if (collector != null) {
            collector.close();
        }
    }

    @Test
    void refusesToStartInCloudModeWithoutASigningKey() throws Exception {
        assertRefusedToStart(withNothingSetInCloudMode, "INNGEST_SIGNING_KEY is not set");
    }

    @Test
    void refusesToStartInDevModeUnlessDevModeIsAllowedInProduction() throws Exception {
        assertRefusedToStart(inDevModeWithBadBranchSettings, "INNGEST_DEV is set in the production profile",
                "INNGEST_ALLOW_DEV_MODE_IN_PROD");
    }

    @Test
    void refusesToStartInCloudModeWithoutAServeOrigin() throws Exception {
        assertRefusedToStart(withNothingSetInCloudMode, "INNGEST_SERVE_ORIGIN is not set");
    }

    @Test
    void refusesToStartInCloudModeWithoutAnEventKey() throws Exception {
        assertRefusedToStart(withNothingSetInCloudMode, "INNGEST_EVENT_KEY is not set");
    }

    @Test
    void refusesToStartWithoutMediaApiKeysOrAnIdentityProvider() throws Exception {
        assertRefusedToStart(withNothingSetInCloudMode, "MEDIA_API_KEYS is not set", "QUARKUS_OIDC_AUTH_SERVER_URL");
    }

    @Test
    void refusesToStartWithoutAnIttybitKey() throws Exception {
        assertRefusedToStart(withNothingSetInCloudMode, "ITTYBIT_API_KEY is not set");
    }

    @Test
    void refusesToStartWithAMalformedApiKeyWithoutEchoingIt() throws Exception {
        assertRefusedToStart(inDevModeWithBadBranchSettings, "MEDIA_API_KEYS has an entry that is not");
        assertThat(inDevModeWithBadBranchSettings.logText()).doesNotContain(MALFORMED_API_KEY);
    }

    @Test
    void readsEachBranchsHouseStyleFromItsEnvironmentVariable() throws Exception {
        assertRefusedToStart(inDevModeWithBadBranchSettings, "invalid setting media.outputs.poster-image.format",
                "webp, jpeg, png, avif");
    }

    @Test
    void readsEachBranchsRetryPolicyFromItsEnvironmentVariable() throws Exception {
        assertRefusedToStart(inDevModeWithBadBranchSettings, "media.ittybit.poster-image.retry.max-retries", "is -1");
    }

    /** Every setting that stops a start is named in the one message it exits with, not one per failed start. */
    @Test
    void namesEverySettingThatStopsTheStartInOneMessage() throws Exception {
        assertRefusedToStart(withNothingSetInCloudMode, "5 settings prevent the start: 1) ", " 5) ");
        assertRefusedToStart(inDevModeWithBadBranchSettings, "4 settings prevent the start: 1) ", " 4) ");
    }

    /** The jar exits (within 60 s of its launch) with an error whose log says {@code reasons}. */
    private static void assertRefusedToStart(Replica refusal, String... reasons) {
        assertThat(refusal.awaitExit(Duration.ofSeconds(60))).isNotZero();
        assertThat(refusal.logText()).contains(reasons);
    }

    /**
     * With an OTLP endpoint set, the jar turns tracing on and sends its spans there (OTLP over HTTP, protobuf), with
     * the service's name: the collector is a recording server on 127.0.0.1.
     */
    @Test
    void exportsItsSpansOverOtlpWhenACollectorIsConfigured() throws Exception {
        String token = FakeOidcProvider.token().subject("ops").roles("media:read").authorization();
        assertThat(configured.send(configured.request("/media?limit=1").header("Authorization", token)).statusCode())
                .as("log: " + configured.log()).isEqualTo(200);
        // batches leave on a schedule: spans of the start (database, scheduler) may come in a batch of their own
        PackagedFixture.await("the request's span is exported; log: " + configured.log(), Duration.ofSeconds(20),
                () -> !collector.received(r -> r.path().equals("/v1/traces") && r.body().contains("/media"))
                        .isEmpty());
        assertThat(collector.received(r -> r.path().equals("/v1/traces"))).as("log: " + configured.log())
                .isNotEmpty().allSatisfy(r -> {
                    assertThat(r.header("content-type")).isEqualTo("application/x-protobuf");
                    assertThat(r.body()).contains("media-fanout");
                })
                .anySatisfy(r -> assertThat(r.body()).as("the request's span").contains("/media"));
    }

    /**
     * An identity provider instead of API keys: the jar starts (OIDC discovery against a fake provider on 127.0.0.1)
     * and takes the provider's access tokens; there is no key to take.
     */
    @Test
    void startsWithAnIdentityProviderAndNoApiKeys() throws Exception {
        String token = FakeOidcProvider.token().subject("ops").roles("media:read").authorization();
        assertThat(configured.send(configured.request("/media?limit=1").header("Authorization", token)).statusCode())
                .as("log: " + configured.log()).isEqualTo(200);
        assertThat(configured.get("/media?limit=1").statusCode()).isEqualTo(401);
        assertThat(configured.send(configured.request("/media?limit=1")).statusCode()).isEqualTo(401);
        assertThat(configured.logText()).contains("OIDC access tokens accepted").doesNotContain(token.substring(7));
    }

    /**
     * The schema at start: the jar migrates a new database with Flyway before it serves, and a second start on the
     * same database finds every version applied and does not run Flyway at all.
     */
    @Test
    void migratesANewDatabaseAndSkipsFlywayOnTheNextStart() throws Exception {
        assertThat(configured.logText()).as("log: " + configured.log()).contains("migrating with Flyway");
        try (Replica next = app.launch().withFakes().devMode().setAll(newDatabase).start()) {
            assertThat(next.logText()).as("log: " + next.log()).contains("Database schema is current")
                    .doesNotContain("org.flywaydb");
        }
    }

    /** Sends SIGTERM, as Kubernetes does on a rollout, and returns how long the process took to exit. */
    private static Duration terminate(Replica service) {
        Duration took = service.terminate();
        System.err.println("exited " + took.toMillis() + " ms after SIGTERM");
        assertThat(service.process().exitValue()).as("clean exit; log: " + service.log()).isIn(0, 143);
        return took;
    }

    /**
     * A drain shorter than the shipped 5 s ({@code quarkus.shutdown.delay}): the step call in flight outlasts it and
     * must still finish, within the shutdown timeout.
     */
    static final Map<String, String> SHORT_DRAIN = Map.of("quarkus.shutdown.delay", "PT1S");

    @Test
    void letsAStepCallInFlightFinishOnSigterm() throws Exception {
        try (Replica service = app.launch().withFakes().devMode().setAll(SHORT_DRAIN).start()) {
            String mediaId = PackagedFixture.newId("sig");
            // no step waits for Ittybit any more; a slow Ittybit answer keeps the create step in flight
            FakeIttybit.Script script = FakeIttybit.script(mediaId, Branch.HLS_PACKAGE.kind());
            script.slowBy = Duration.ofSeconds(4);
            script.slowCreates = 1;
            // Inngest's call of the HLS step, for the event the upload sent
            String event = PackagedFixture.upload(service, mediaId).event().toString();
            String body = "{\"event\":" + event + ",\"events\":[" + event + "],\"steps\":{},\"ctx\":{\"run_id\":\"r-"
                    + mediaId + "\",\"attempt\":0,\"max_attempts\":4,\"stack\":{\"stack\":[]},"
                    + "\"disable_immediate_execution\":true,\"use_api\":false},\"version\":2}";
            CompletableFuture<HttpResponse<String>> call = HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(
                    service.url("/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId="
                            + TestHashes.of(Branch.HLS_PACKAGE.id())))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            // the step is in its Ittybit call, which answers 4 s later
            PackagedFixture.await("the create reaches Ittybit", Duration.ofSeconds(60),
                    () -> !FakeIttybit.creates(mediaId, Branch.HLS_PACKAGE.kind()).isEmpty());
            assertThat(call).as("the step is still running").isNotDone();
            CompletableFuture<Duration> exit = CompletableFuture.supplyAsync(() -> terminate(service));

            HttpResponse<String> response = call.get(60, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(206);
            assertThat(response.body()).contains("\"op\":\"StepRun\"").contains(TestHashes.of(Branch.HLS_PACKAGE.id()));
            assertThat(exit.get(60, TimeUnit.SECONDS)).as("exit within the shutdown timeout (30 s)")
                    .isLessThan(Duration.ofSeconds(35));
            assertThat(FakeIttybit.tasks(mediaId, Branch.HLS_PACKAGE.kind())).hasSize(1);
        }
    }

    /**
     * A SIGTERM lands while a run is in progress and a branch is paused (Inngest holds the wait): the process exits
     * within the shutdown timeout, and the run, continued by Inngest against the next instance (same database),
     * completes without any memoised step being executed again.
     */
    @Test
    void aRunInterruptedBySigtermCompletesOnTheNextInstance() throws Exception {
        String mediaId = PackagedFixture.newId("roll");
        String hls = Branch.HLS_PACKAGE.kind();
        // the HLS task is read 4 times (2 s wait, then sleeps of 2, 4 and 8 s, halved by the emulator): the SIGTERM
        // lands in one of them
        FakeIttybit.script(mediaId, hls).readsBeforeEnd = 3;
        ExecutorEmulator.Outage outage = new ExecutorEmulator.Outage();
        try (Replica service = app.launch().withFakes().devMode().setAll(SHORT_DRAIN).start()) {
            PackagedFixture.Upload upload = PackagedFixture.upload(service, mediaId);
            ExecutorEmulator emulator = PackagedFixture.fanout(service.serveUrl())
                    .connectionRetryDelay(Duration.ofSeconds(1)).timeScale(0.5).beforeCall(outage::hold);
            CompletableFuture<ExecutorEmulator.Run> run = PackagedFixture.runAsync(emulator, upload.event());
            // every task exists and the HLS one was found processing: its branch sleeps in Inngest
            PackagedFixture.waiting("every task exists and the HLS task was read", Duration.ofSeconds(60))
                    .failFast("the run ended before the SIGTERM", run::isDone)
                    .until(() -> FakeIttybit.tasks(mediaId).size() == Branch.values().length
                            && !FakeIttybit.tasks(mediaId, hls).isEmpty()
                            && FakeIttybit.tasks(mediaId, hls).get(0).reads().get() >= 1);
            outage.begin();
            Duration took = terminate(service);
            assertThat(took).as("exit within the shutdown timeout (30 s)").isLessThan(Duration.ofSeconds(35));
            assertThat(run).as("the run is still in progress").isNotDone();

            service.backFrom(outage);
            ExecutorEmulator.Run done = run.get(180, TimeUnit.SECONDS);

            assertThat(done.status()).as("log: " + service.log()).isEqualTo("completed");
            FakeIttybit.assertEachKindCreatedOnce(mediaId);
            assertThat(FakeIttybit.tasks(mediaId, hls).get(0).reads().get()).isEqualTo(4);
            assertThat(PackagedFixture.json(service.media(mediaId)).path("status").asText()).isEqualTo("ready");
            // production logs are JSON lines carrying the run and media ids
            List<String> lines = service.logText().lines()
                    .filter(l -> l.contains("Branch " + Branch.HLS_PACKAGE.id())).toList();
            assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line).startsWith("{").contains("\"runId\"")
                    .contains("\"mediaId\""));
        } finally {
            outage.end();
        }
    }
}
