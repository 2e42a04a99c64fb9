package io.mediafanout.it;

import java.util.stream.Stream;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.mediafanout.inngest.CloudModeProfile;
import io.mediafanout.testing.Conformance;
import io.mediafanout.testing.PackagedApp;
import io.mediafanout.testing.Transcript;
import io.mediafanout.testing.Transcripts;

/**
 * Scenario G (cloud mode: signatures) against the packaged jar in bench mode, with the signing key the transcripts
 * were recorded with: its clock cannot be pinned to the recording's, so each recorded signature is made again at
 * today's time over the bytes it covered (a stale one as stale, a wrong one as wrong; {@link Conformance#replayResigned}).
 */
class PackagedCloudTranscriptIT {

    @RegisterExtension
    static final PackagedApp app = PackagedApp.create().withFakes().set("inngest.dev", "0")
            .set("inngest.signing-key", CloudModeProfile.SIGNING_KEY).set("inngest.event-key", "test-event-key")
            // the origin the reference app served on when the transcripts were recorded (in-band sync reports it)
            .set("inngest.serve-origin", "http://127.0.0.1:3939")
            .set("mediafanout.bench-function", "true").startBeforeAll();

    static Stream<String> transcripts() {
        return Transcripts.packagedCloudMode();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void thePackagedJarInCloudModeChecksAndSignsLikeTheTypeScriptReferenceApp(String file) throws Exception {
        Transcript transcript = Transcript.load(file);
        Conformance.assertConforms(transcript, Conformance.replayResigned(transcript, app.replica().serveUrl(),
                CloudModeProfile.SIGNING_KEY), CloudModeProfile.SIGNING_KEY);
    }
}
