package io.mediafanout.inngest.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.mediafanout.inngest.CloudServeProfile;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.RecordingHttpServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** Signing-key rotation: requests signed with the previous key are accepted, and API calls fall back to it. */
@QuarkusTest
@TestProfile(CloudServeProfile.class)
class KeyRotationTests {

    static final String CURRENT = CloudServeProfile.CURRENT_KEY;
    static final String PREVIOUS = CloudServeProfile.PREVIOUS_KEY;

    @BeforeEach
    void resetFakes() {
        FakeInngestApi.reset();
    }

    @Test
    void acceptsARequestSignedWithThePreviousKeyAndSignsTheAnswerWithIt() {
        long now = System.currentTimeMillis() / 1000;
        Response response = given().header("X-Inngest-Signature", Signatures.header(PREVIOUS, new byte[0], now))
                .get("/api/inngest");
        response.then().statusCode(200)
                .body("authentication_succeeded", equalTo(true))
                .body("signing_key_fallback_hash", equalTo(Signatures.shortHash(PREVIOUS)));
        String signature = response.header("X-Inngest-Signature");
        long t = Long.parseLong(signature.substring(2, signature.indexOf('&')));
        assertThat(signature).isEqualTo(
                Signatures.header(PREVIOUS, response.body().asString().getBytes(StandardCharsets.UTF_8), t));
    }

    @Test
    void syncRetriesWithTheFallbackKeyWhenTheApiRefusesTheCurrentOne() {
        FakeInngestApi.server().route("POST", "/fn/register", r -> ("Bearer " + Signatures.hashedKey(PREVIOUS))
                .equals(r.header("authorization"))
                        ? RecordingHttpServer.Reply.json(200, "{\"ok\":true,\"modified\":false}")
                        : RecordingHttpServer.Reply.json(401, "{\"error\":\"unauthorized\"}"));
        given().put("/api/inngest").then().statusCode(200).body("modified", equalTo(false));
        assertThat(FakeInngestApi.server().received(r -> r.path().equals("/fn/register")))
                .extracting(r -> r.header("authorization"))
                .containsExactly("Bearer " + Signatures.hashedKey(CURRENT), "Bearer " + Signatures.hashedKey(PREVIOUS));
    }
}
