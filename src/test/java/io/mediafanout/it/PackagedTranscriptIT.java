package io.mediafanout.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.testing.AppProcess;
import io.mediafanout.testing.Conformance;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.PostgresTestResource;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.Transcript;

/**
 * The packaged jar started as the benchmark and outside conformance checks start it
 * ({@code -Dmediafanout.bench-function=true}, dev mode) answers the TypeScript SDK's recorded exchanges of scenarios
 * A (the fan-out), F ({@code event.data.failStep}: a step retried, then failed for good), E (errors, sync) and W
 * (durable branches) as the reference app did. Scenario G (signatures) pins the clock to the recording's time, which
 * only the in-process tests can do ({@code CloudModeTranscriptTests}).
 */
class PackagedTranscriptIT {

    static final PostgresTestResource POSTGRES = new PostgresTestResource();
    static Process app;
    static URI serveUrl;
    static Path output;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(AppProcess.jarExists(), "the JVM jar is built");
        Map<String, String> settings = new HashMap<>(POSTGRES.start());
        settings.putAll(new FakeIttybit().start());
        settings.putAll(new FakeInngestApi().start());
        settings.put("inngest.dev", "1");
        settings.put("inngest.allow-dev-mode-in-prod", "true");
        settings.put("mediafanout.bench-function", "true");
        int port = AppProcess.freePort();
        settings.put("quarkus.http.port", Integer.toString(port));
        output = Files.createTempFile("media-fanout-transcripts", ".log");
        app = AppProcess.launch(settings, output);
        AppProcess.waitUntilReady(port);
        serveUrl = URI.create("http://localhost:" + port + "/api/inngest");
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.destroy();
            app.waitFor();
        }
        POSTGRES.stop();
    }

    static Stream<String> transcripts() {
        return Stream.of("02-A-post-discovery-no-state.json", "03-A-post-run-hls-package.json",
                "04-A-post-run-poster-image.json", "05-A-post-run-gif-preview.json",
                "06-A-post-run-audio-transcription.json", "07-A-post-discovery-4-memo-die-true.json",
                "08-A-post-discovery-4-memo-die-false.json", "09-A-post-run-assemble.json",
                "10-A-post-final-all-memo.json", "11-A-post-final-all-memo-raw-values.json",
                "12-F-post-discovery.json", "13-F-post-run-gif-attempt0.json", "14-F-post-run-gif-attempt1.json",
                "15-F-post-run-gif-attempt2.json", "16-F-post-run-gif-attempt3.json",
                "17-F-post-run-gif-attempt3-no-max.json", "18-F-post-discovery-with-failed-step.json",
                "29-E-post-unknown-fn.json", "30-E-post-bad-body.json", "32-E-delete-405.json",
                "60-W-post-discovery-no-state.json", "61-W-post-run-hls-package.json",
                "63-W-post-discovery-both-waits-matched.json", "65-W-post-discovery-after-sleep.json",
                "66-W-post-discovery-send-event-die-false.json", "68-W-post-discovery-send-event-die-true.json",
                "69-W-post-run-media-ready.json", "71-W-post-final.json");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void thePackagedJarInBenchModeAnswersLikeTheTypeScriptReferenceApp(String file) throws Exception {
        // the event API answers step.sendEvent as the recorded one did (scenario W)
        JsonNode reply = Transcript.load("67-W-mockapi-send-event.json").root().path("requests").get(0)
                .path("mockReplied").path("body");
        FakeInngestApi.server().route("POST", "/e/", r -> RecordingHttpServer.Reply.json(200, reply.toString()));
        Transcript transcript = Transcript.load(file);
        Conformance.assertConforms(transcript, Conformance.replay(transcript, serveUrl), null);
    }
}
