package io.mediafanout.inngest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.serve.ServeLimits;
import io.mediafanout.testing.Conformance;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.ReferenceAppProfile;
import io.mediafanout.testing.Transcript;
import io.mediafanout.testing.Transcripts;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Replays the dev-mode exchanges recorded from the official TypeScript SDK (scenarios A, F and E) and expects the
 * same answers.
 */
@QuarkusTest
@TestProfile(ReferenceAppProfile.class)
class DevModeTranscriptTests {

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @BeforeEach
    void resetFakes() {
        FakeInngestApi.reset();
    }

    static Stream<String> transcripts() {
        return Transcripts.inProcessDevMode();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void answersLikeTheTypeScriptSdk(String file) throws Exception {
        Transcript transcript = Transcript.load(file);
        HttpResponse<String> response = Conformance.replay(transcript, serveUrl);
        Conformance.assertConforms(transcript, response, null);
    }

    @Test
    void outOfBandSyncPostsTheSameRegistrationAsTheTypeScriptSdk() throws Exception {
        Transcript put = Transcript.load("33-E-put-dev-register.json");
        Conformance.assertConforms(put, Conformance.replay(put, serveUrl), null);

        JsonNode recorded = Transcript.load("34-E-mockapi-register-call.json").root().path("requests").get(0);
        var registrations = FakeInngestApi.server().received(r -> r.path().equals("/fn/register"));
        assertThat(registrations).hasSize(1);
        RecordingHttpServer.Recorded ours = registrations.get(0);
        assertThat(ours.method()).isEqualTo("POST");
        assertThat(ours.header("x-inngest-sync-kind")).isEqualTo("out_of_band");
        assertThat(ours.header("x-inngest-sdk")).isEqualTo(InngestEnvironment.SDK);
        assertThat(ours.header("authorization")).as("no key in dev mode: no bearer token").isNull();

        String ourOrigin = serveUrl.getScheme() + "://" + serveUrl.getRawAuthority();
        String body = ours.body().replace(ourOrigin, "http://127.0.0.1:3939");
        ObjectMapper json = new ObjectMapper();
        Conformance.assertBodyConforms("registration", recorded.path("body").asText(), body);
        assertThat(json.readTree(ours.body()).path("sdk").asText()).isEqualTo(InngestEnvironment.SDK);
        assertThat(json.readTree(ours.body()).path("capabilities").path("trust_probe").asText()).isEqualTo("v1");
        // beyond the reference: every function declares the app-wide limit (calls per process x replicas), shared
        // through a constant key at env scope, so Inngest queues a burst's excess upstream
        int perProcess = ServeLimits.defaultCalls(Runtime.getRuntime().maxMemory());
        for (JsonNode function : json.readTree(ours.body()).path("functions")) {
            assertThat(function.path("concurrency")).as(function.path("id").asText()).hasSize(1);
            JsonNode limit = function.path("concurrency").get(0);
            assertThat(limit.path("limit").asInt()).isEqualTo(perProcess * 10);
            assertThat(limit.path("key").asText()).isEqualTo("\"media-pipeline\"");
            assertThat(limit.path("scope").asText()).isEqualTo("env");
        }
    }
}
