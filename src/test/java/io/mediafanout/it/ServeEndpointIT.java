package io.mediafanout.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.mediafanout.inngest.InngestEnvironment;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The packaged application (jar, or native executable where one is built) answers the Inngest endpoint. */
@QuarkusIntegrationTest
@TestProfile(ServeEndpointIT.DevMode.class)
class ServeEndpointIT {

    public static class DevMode implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // the packaged jar runs the production profile, which refuses dev mode unless allowed
            return Map.of("inngest.dev", "1", "inngest.allow-dev-mode-in-prod", "true",
                    "media.api.keys", io.mediafanout.testing.TestApiKey.CONFIG);
        }
    }

    @Test
    void packagedAppAnswersIntrospection() {
        given().get("/api/inngest").then().statusCode(200)
                .header("X-Inngest-SDK", InngestEnvironment.SDK)
                .body("mode", equalTo("dev"))
                .body("schema_version", equalTo("2024-05-24"));
    }
}
