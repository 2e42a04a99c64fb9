package io.mediafanout.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.TestApiKey;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The packaged application (jar here, native executable where one is built) runs a whole pipeline: the executor
 * emulator plays Inngest (and holds the branches' waits and sleeps), the fake Ittybit does the work, PostgreSQL
 * keeps the record, the media API shows it. Being profile-less, this run is the one that trains the JDK 25 AOT cache
 * ({@code -Dquarkus.package.jar.aot.enabled=true -Dquarkus.package.jar.aot.type=AOT}, README "JVM mode").
 * The production profile refuses dev mode unless allowed: {@link PackagedDevMode} allows it. The only
 * {@code @QuarkusIntegrationTest} (Quarkus finds the application's port in {@code target/quarkus.log}, which two of them
 * in parallel failsafe forks would share).
 */
@QuarkusIntegrationTest
@WithTestResource(value = PackagedDevMode.class, scope = TestResourceScope.MATCHING_RESOURCES)
class PipelineIT {

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @Test
    void packagedAppAnswersIntrospection() {
        given().get("/api/inngest").then().statusCode(200)
                .header("X-Inngest-SDK", InngestEnvironment.SDK)
                .body("mode", equalTo("dev"))
                .body("schema_version", equalTo("2024-05-24"));
    }

    @Test
    void packagedAppRunsTheWholePipeline() throws Exception {
        String mediaId = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        given().header("Authorization", TestApiKey.AUTHORIZATION).contentType("application/json")
                .body("{\"sourceUrl\":\"https://uploads.example/" + mediaId + ".mp4\",\"mediaId\":\"" + mediaId + "\"}")
                .post("/media").then().statusCode(202).body("status", equalTo("processing"));

        ExecutorEmulator.Run run = new ExecutorEmulator(serveUrl, "media-pipeline-fanout-adaptive-streaming",
                Optional.empty(), 3, Duration.ofMillis(200)).run("video/uploaded", new ObjectMapper().createObjectNode()
                        .put("mediaId", mediaId).put("sourceUrl", "https://uploads.example/" + mediaId + ".mp4"));

        assertThat(run.status()).isEqualTo("completed");
        // no webhooks: each branch's wait for its task is held by Inngest and ends at its timeout (durable polling)
        assertThat(run.pauses()).filteredOn(p -> p.op().equals("WaitForEvent")).hasSize(4)
                .allSatisfy(p -> assertThat(p.outcome()).isEqualTo("timeout"));
        for (String kind : List.of("adaptive_video", "image", "video", "audio")) {
            assertThat(FakeIttybit.tasks(mediaId, kind)).as(kind).hasSize(1);
        }
        given().header("Authorization", TestApiKey.AUTHORIZATION).get("/media/" + mediaId).then().statusCode(200)
                .body("status", equalTo("ready"))
                .body("gifUrl", equalTo(FakeIttybit.outputUrl(mediaId, "video", FakeIttybit.tasks(mediaId, "video").get(0).id())));
    }
}
