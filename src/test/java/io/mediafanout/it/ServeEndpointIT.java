package io.mediafanout.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.mediafanout.inngest.InngestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The packaged application (jar, or native executable where one is built) answers the Inngest endpoint. The
 * production profile refuses dev mode unless allowed: {@link PackagedDevMode} allows it, as for {@link PipelineIT},
 * whose application start this class shares (same resources, no test profile).
 */
@QuarkusIntegrationTest
@WithTestResource(value = PackagedDevMode.class, scope = TestResourceScope.MATCHING_RESOURCES)
class ServeEndpointIT {

    @Test
    void packagedAppAnswersIntrospection() {
        given().get("/api/inngest").then().statusCode(200)
                .header("X-Inngest-SDK", InngestEnvironment.SDK)
                .body("mode", equalTo("dev"))
                .body("schema_version", equalTo("2024-05-24"));
    }
}
