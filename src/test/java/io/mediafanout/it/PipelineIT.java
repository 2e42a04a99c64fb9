package io.mediafanout.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.TestApiKey;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.response.ValidatableResponse;

/**
 * The packaged application (jar here, native executable where one is built) runs a whole pipeline from an upload:
 * {@code POST /media}, then the run Inngest starts from the {@code video/uploaded} the service sent. The executor
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
    void theServeEndpointAnswersIntrospectionInDevMode() {
        given().get("/api/inngest").then().statusCode(200)
                .header("X-Inngest-SDK", InngestEnvironment.SDK)
                .body("mode", equalTo("dev"))
                .body("schema_version", equalTo("2024-05-24"));
    }

    @Test
    void anUploadRunsTheWholePipelineFromTheEventTheServiceSent() throws Exception {
        PackagedFixture.Upload upload = PackagedFixture.upload(appUrl(), PackagedFixture.newId("it"));
        assertThat(upload.body().path("status").asText()).isEqualTo("processing");
        String mediaId = upload.id();

        ExecutorEmulator.Run run = PackagedFixture.fanout(serveUrl).runEvent(upload.event());

        assertThat(run.status()).isEqualTo("completed");
        // no webhooks: each branch's wait for its task is held by Inngest and ends at its timeout (durable polling)
        assertThat(run.pauses()).filteredOn(p -> p.op().equals("WaitForEvent")).hasSize(Branch.values().length)
                .allSatisfy(p -> assertThat(p.outcome()).isEqualTo("timeout"));
        for (Branch branch : PackagedFixture.branches()) {
            assertThat(FakeIttybit.tasks(mediaId, branch.kind())).as(branch.id()).hasSize(1);
        }
        ValidatableResponse media = given().header("Authorization", TestApiKey.AUTHORIZATION).get("/media/" + mediaId)
                .then().statusCode(200).body("status", equalTo("ready"));
        for (Branch branch : PackagedFixture.branches()) {
            media.body(branch.resultField(), equalTo(PackagedFixture.outputOf(mediaId, branch)));
        }
        assertThat(PackagedFixture.sent(MediaEvents.READY, mediaId).path("data").path("status").asText())
                .isEqualTo("ready");
    }

    /**
     * Another app's {@code video/uploaded} (the seed's {@code {mediaId, sourceUrl}}, hand-built because the point is
     * an event this service did not send) starts the same pipeline: the run makes the record, with every branch.
     */
    @Test
    void anotherAppsUploadEventRunsThePipelineWithTheDefaultOutputs() throws Exception {
        String mediaId = PackagedFixture.newId("itforeign");

        // no webhooks here: the emulator skips the time the run only waits for its tasks
        ExecutorEmulator.Run run = PackagedFixture.fanout(serveUrl).skipIdleTime()
                .runEvent(PackagedFixture.foreignUpload(mediaId));

        assertThat(run.status()).isEqualTo("completed");
        ValidatableResponse media = given().header("Authorization", TestApiKey.AUTHORIZATION).get("/media/" + mediaId)
                .then().statusCode(200).body("status", equalTo("ready"));
        for (Branch branch : PackagedFixture.branches()) {
            assertThat(FakeIttybit.tasks(mediaId, branch.kind())).as(branch.id()).hasSize(1);
            media.body(branch.resultField(), equalTo(PackagedFixture.outputOf(mediaId, branch)));
        }
    }

    /**
     * A branch whose tasks always end failed fails the run for good; Inngest then sends the failure event, whose
     * handler fails the record (naming the branch) and tells other apps with {@code media/failed}.
     */
    @Test
    void aBranchThatFailsForGoodFailsTheRecordThroughTheFailureHandler() throws Exception {
        String mediaId = PackagedFixture.newId("itfail");
        FakeIttybit.script(mediaId, Branch.GIF_PREVIEW.kind()).failTasks();
        PackagedFixture.Upload upload = PackagedFixture.upload(appUrl(), mediaId);

        // no webhooks here: the emulator skips the time the run only waits for its tasks
        ExecutorEmulator.Run run = PackagedFixture.fanout(serveUrl).skipIdleTime().runEvent(upload.event());

        assertThat(run.status()).isEqualTo("failed");
        assertThat(run.output().path("message").asText()).startsWith(Branch.GIF_PREVIEW.id() + ": ");
        ExecutorEmulator.Run handler = PackagedFixture.failureHandler(serveUrl)
                .runEvent(PackagedFixture.functionFailed(PackagedFixture.FANOUT, upload.event(), run));

        assertThat(handler.status()).isEqualTo("completed");
        given().header("Authorization", TestApiKey.AUTHORIZATION).get("/media/" + mediaId).then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("failedBranch", equalTo(Branch.GIF_PREVIEW.id()))
                .body("error.code", equalTo("task_failed"));
        JsonNode failed = PackagedFixture.sent(MediaEvents.FAILED, mediaId).path("data");
        assertThat(failed.path("branch").asText()).isEqualTo(Branch.GIF_PREVIEW.id());
        assertThat(failed.path("code").asText()).isEqualTo("task_failed");
    }

    /** The application's root (the media API). */
    private URI appUrl() {
        return serveUrl.resolve("/");
    }
}
