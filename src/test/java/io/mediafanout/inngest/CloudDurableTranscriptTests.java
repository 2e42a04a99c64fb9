package io.mediafanout.inngest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.inngest.auth.Signatures;
import io.mediafanout.testing.Conformance;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.Transcript;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Scenario W in cloud mode: the signed discovery of {@code durable-branches} gets the same ops, signed (72). Served by
 * the app of {@link CloudModeBenchRunTests} (bench mode in cloud mode): its
 * other functions change no answer to a call of {@code durable-branches}, and no introspection is replayed here (the
 * one that counts functions is {@link DurableTranscriptTests}'), so one application serves both classes.
 */
@QuarkusTest
@TestProfile(BenchModeProfile.Cloud.class)
class CloudDurableTranscriptTests {

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @Test
    void signedDiscoveryAnswersTheSameWaitsAndStepsSigned() throws Exception {
        Transcript transcript = Transcript.load("72-W-post-discovery-signed.json");
        Conformance.assertConforms(transcript, Conformance.replay(transcript, serveUrl), CloudModeProfile.SIGNING_KEY);
    }

    /**
     * Only 72 was recorded in cloud mode: the other requests of scenario W, signed now, must get the answers recorded
     * in dev mode, signed.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "60-W-post-discovery-no-state.json", "61-W-post-run-hls-package.json",
            "63-W-post-discovery-both-waits-matched.json", "65-W-post-discovery-after-sleep.json",
            "66-W-post-discovery-send-event-die-false.json", "68-W-post-discovery-send-event-die-true.json",
            "69-W-post-run-media-ready.json", "71-W-post-final.json" })
    void everyExchangeOfScenarioWAnswersTheSameWhenSigned(String file) throws Exception {
        FakeInngestApi.reset();
        JsonNode reply = Transcript.load("67-W-mockapi-send-event.json").root().path("requests").get(0)
                .path("mockReplied").path("body");
        FakeInngestApi.server().route("POST", "/e/", r -> RecordingHttpServer.Reply.json(200, reply.toString()));
        Transcript t = Transcript.load(file);
        // Inngest signs (and sends) the canonical form of the body
        byte[] body = new org.erdtman.jcs.JsonCanonicalizer(t.requestBody()).getEncodedUTF8();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create(serveUrl + t.pathAndQuery().substring(t.pathAndQuery().indexOf('?'))))
                .header("Content-Type", "application/json").header("X-Inngest-Server-Kind", "cloud")
                .header("X-Inngest-Signature", Signatures.header(CloudModeProfile.SIGNING_KEY, body,
                        System.currentTimeMillis() / 1000))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(file).isEqualTo(t.status());
        Conformance.assertResponseSigned(response, CloudModeProfile.SIGNING_KEY);
        Conformance.assertBodyConforms(file, t.responseBody(), response.body());
    }

    @Test
    void anUnsignedDiscoveryOfTheDurableFunctionIsRefused() throws Exception {
        Transcript unsigned = Transcript.load("60-W-post-discovery-no-state.json");
        var response = Conformance.replay(unsigned, serveUrl);
        org.assertj.core.api.Assertions.assertThat(response.statusCode()).isEqualTo(401);
    }
}
