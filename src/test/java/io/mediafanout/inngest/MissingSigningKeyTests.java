package io.mediafanout.inngest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Cloud mode without a signing key never serves unsigned: every request is refused with the reason. */
@QuarkusTest
@TestProfile(MissingSigningKeyTests.CloudWithoutKey.class)
class MissingSigningKeyTests {

    public static class CloudWithoutKey extends io.mediafanout.testing.ReferenceAppProfile {
        @Override
        protected Map<String, String> extra() {
            return Map.of("inngest.dev", "0");
        }
    }

    @Test
    void refusesEveryRequestAndSaysWhichSettingIsMissing() {
        given().get("/api/inngest").then().statusCode(500).body("message", containsString("INNGEST_SIGNING_KEY"));
        given().body("{}").post("/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step")
                .then().statusCode(500).body("message", containsString("INNGEST_SIGNING_KEY"));
        given().put("/api/inngest").then().statusCode(500);
    }
}
