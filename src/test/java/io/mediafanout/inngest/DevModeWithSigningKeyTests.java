package io.mediafanout.inngest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.mediafanout.inngest.auth.Signatures;
import io.mediafanout.testing.ReferenceAppProfile;
import io.mediafanout.testing.Transcript;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Dev mode with a signing key configured verifies requests like cloud mode: a key is never there for nothing. */
@QuarkusTest
@TestProfile(DevModeWithSigningKeyTests.DevWithKey.class)
class DevModeWithSigningKeyTests {

    public static class DevWithKey extends ReferenceAppProfile {
        @Override
        protected Map<String, String> extra() {
            return Map.of("inngest.dev", "1", "inngest.signing-key", CloudModeProfile.SIGNING_KEY);
        }
    }

    @Test
    void unsignedCallsAndIntrospectionAreRefused() {
        String body = Transcript.load("02-A-post-discovery-no-state.json").requestBody();
        given().body(body).contentType("application/json")
                .post("/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step")
                .then().statusCode(401).body("message", equalTo("Unauthorized"));
        given().get("/api/inngest").then().statusCode(401);
    }

    @Test
    void signedCallsAreServed() throws Exception {
        byte[] body = new org.erdtman.jcs.JsonCanonicalizer(
                Transcript.load("02-A-post-discovery-no-state.json").requestBody()).getEncodedUTF8();
        given().body(body).contentType("application/json")
                .header("X-Inngest-Signature", Signatures.header(CloudModeProfile.SIGNING_KEY, body,
                        System.currentTimeMillis() / 1000))
                .post("/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step")
                .then().statusCode(206).header("X-Inngest-Signature", org.hamcrest.Matchers.startsWith("t="));
    }
}
