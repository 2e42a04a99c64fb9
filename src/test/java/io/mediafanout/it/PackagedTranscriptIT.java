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
import io.mediafanout.testing.Transcripts;

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
        return Transcripts.packagedBenchMode();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void thePackagedJarInBenchModeAnswersLikeTheTypeScriptReferenceApp(String file) throws Exception {
        // the event API answers step.sendEvent as the recorded one did (scenario W)
        JsonNode reply = Transcript.load(Transcripts.W_EVENT_API).root().path("requests").get(0)
                .path("mockReplied").path("body");
        FakeInngestApi.server().route("POST", "/e/", r -> RecordingHttpServer.Reply.json(200, reply.toString()));
        Transcript transcript = Transcript.load(file);
        Conformance.assertConforms(transcript, Conformance.replay(transcript, serveUrl), null);
    }
}
