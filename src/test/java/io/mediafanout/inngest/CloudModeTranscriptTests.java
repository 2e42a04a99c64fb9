package io.mediafanout.inngest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.mediafanout.inngest.auth.Signatures;
import io.mediafanout.testing.Conformance;
import io.mediafanout.testing.Transcript;
import io.mediafanout.testing.Transcripts;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Replays the cloud-mode exchanges (scenario G): signature checks, signed answers, trust probe and in-band sync.
 * The app's clock is pinned to the time each request was signed.
 */
@QuarkusTest
@TestProfile(CloudModeProfile.class)
class CloudModeTranscriptTests {

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    static Stream<String> transcripts() {
        return Transcripts.CLOUD_MODE_CALLS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void answersLikeTheTypeScriptSdk(String file) throws Exception {
        Transcript transcript = Transcript.load(file);
        Conformance.assertConforms(transcript, Conformance.replay(transcript, serveUrl), CloudModeProfile.SIGNING_KEY);
    }

    @Test
    void responseSignaturesFollowTheRuleTheReferenceResponsesWereVerifiedWith() {
        // 45: the emulator verified the reference's response signatures of 42 and 44; ours must be computed the same way
        for (String file : new String[] { "42-G-post-signed-ok.json", "44-G-post-final-signed.json" }) {
            Transcript t = Transcript.load(file);
            String header = t.responseHeader("x-inngest-signature");
            long ts = Long.parseLong(header.substring(2, header.indexOf('&')));
            assertThat(Signatures.header(CloudModeProfile.SIGNING_KEY,
                    t.responseBody().getBytes(StandardCharsets.UTF_8), ts)).as(file).isEqualTo(header);
        }
        assertThat(Transcript.load("45-G-response-signature-check.json").root().path("signedOk206").path("valid")
                .asBoolean()).isTrue();
    }

    @Test
    void authenticatedIntrospectionShowsTheSameKeyHashAsTheReference() throws Exception {
        Transcript t = Transcript.load("36-G-get-signed.json");
        var response = Conformance.replay(t, serveUrl);
        var body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        assertThat(body.path("signing_key_hash").asText()).isEqualTo("4884fdaafea4");
        assertThat(body.path("app_id").asText()).isEqualTo("media-pipeline");
        assertThat(body.path("sdk_language").asText()).isEqualTo("java");
        assertThat(body.path("capabilities").path("trust_probe").asText()).isEqualTo("v1");
        assertThat(body.path("capabilities").has("connect")).as("Connect is not implemented").isFalse();
    }
}
