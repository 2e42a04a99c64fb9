package io.mediafanout.inngest;

import java.net.URI;

import org.junit.jupiter.api.Test;

import io.mediafanout.testing.Conformance;
import io.mediafanout.testing.Transcript;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Scenario W in cloud mode: the signed discovery of {@code durable-branches} gets the same ops, signed (72). */
@QuarkusTest
@TestProfile(DurableReferenceProfile.Cloud.class)
class CloudDurableTranscriptTests {

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @Test
    void signedDiscoveryAnswersTheSameWaitsAndStepsSigned() throws Exception {
        Transcript transcript = Transcript.load("72-W-post-discovery-signed.json");
        Conformance.assertConforms(transcript, Conformance.replay(transcript, serveUrl), CloudModeProfile.SIGNING_KEY);
    }

    @Test
    void anUnsignedDiscoveryOfTheDurableFunctionIsRefused() throws Exception {
        Transcript unsigned = Transcript.load("60-W-post-discovery-no-state.json");
        var response = Conformance.replay(unsigned, serveUrl);
        org.assertj.core.api.Assertions.assertThat(response.statusCode()).isEqualTo(401);
    }
}
