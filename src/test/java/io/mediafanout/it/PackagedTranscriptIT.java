package io.mediafanout.it;

import java.util.stream.Stream;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.testing.Conformance;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.PackagedApp;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.Transcript;
import io.mediafanout.testing.Transcripts;

/**
 * The packaged jar started as the benchmark and outside conformance checks start it
 * ({@code -Dmediafanout.bench-function=true}, dev mode) answers the TypeScript SDK's recorded exchanges of scenarios
 * A (the fan-out), F ({@code event.data.failStep}: a step retried, then failed for good), E (errors, sync) and W
 * (durable branches) as the reference app did. Scenario G (signatures) pins the clock to the recording's time, which
 * only the in-process tests can do ({@code CloudModeTranscriptTests}). One jar process answers every transcript.
 */
class PackagedTranscriptIT {

    @RegisterExtension
    static final PackagedApp app = PackagedApp.create().withFakes().devMode()
            .set("mediafanout.bench-function", "true").startBeforeAll();

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
        Conformance.assertConforms(transcript, Conformance.replay(transcript, app.replica().serveUrl()), null);
    }
}
