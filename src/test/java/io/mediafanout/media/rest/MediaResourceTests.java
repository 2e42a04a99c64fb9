package io.mediafanout.media.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.media.MediaFixture;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.RecordingHttpServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The media API: uploads start exactly one run, records and pages are JSON, bad input is a 400 naming the field. */
@QuarkusTest
class MediaResourceTests {

    @BeforeEach
    void resetFakes() {
        FakeInngestApi.reset();
    }

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    private static String newId() {
        return MediaFixture.newId("m");
    }

    private static List<RecordingHttpServer.Recorded> sentEvents() {
        return FakeInngestApi.server().received(r -> r.path().startsWith("/e/"));
    }

    @Test
    void anUploadIsStoredAsProcessingAndSendsOneEvent() throws Exception {
        String id = newId();
        given().contentType("application/json")
                .body("{\"sourceUrl\":\"https://uploads.example/a.mp4\",\"mediaId\":\"" + id + "\"}")
                .post("/media")
                .then().statusCode(202)
                .header("Location", endsWith("/media/" + id))
                .body("id", equalTo(id))
                .body("status", equalTo("processing"))
                .body("sourceUrl", equalTo("https://uploads.example/a.mp4"))
                .body("branches", hasSize(4))
                .body("branches.status", everyItem(equalTo("pending")));

        List<RecordingHttpServer.Recorded> events = sentEvents();
        assertThat(events).hasSize(1);
        JsonNode event = new ObjectMapper().readTree(events.get(0).body()).get(0);
        assertThat(event.path("name").asText()).isEqualTo("video/uploaded");
        assertThat(event.path("id").asText()).isEqualTo("video-uploaded-" + id);
        assertThat(event.path("data").path("mediaId").asText()).isEqualTo(id);
        assertThat(event.path("data").path("sourceUrl").asText()).isEqualTo("https://uploads.example/a.mp4");

        given().get("/media/" + id).then().statusCode(200).body("status", equalTo("processing"));
    }

    @Test
    void aRepeatedUploadReturnsTheSameRecordAndCannotStartASecondRun() throws Exception {
        String id = newId();
        String body = "{\"sourceUrl\":\"https://uploads.example/b.mp4\",\"mediaId\":\"" + id + "\"}";
        double startedBefore = runsStartedByUploads();
        String created = given().contentType("application/json").body(body).post("/media")
                .then().statusCode(202).extract().path("createdAt");
        given().contentType("application/json").body(body).post("/media")
                .then().statusCode(202).body("id", equalTo(id)).body("createdAt", equalTo(created));

        // both sends carry the same event id: Inngest ignores the second, so there is one run
        ObjectMapper json = new ObjectMapper();
        assertThat(sentEvents()).extracting(r -> json.readTree(r.body()).get(0).path("id").asText())
                .containsOnly("video-uploaded-" + id);
        // and the service counts one run started, not one per request
        assertThat(runsStartedByUploads() - startedBefore).as("media_runs_started_total{trigger=upload}")
                .isEqualTo(1.0);
    }

    /** {@code media_runs_started_total{trigger="upload"}} (an exemplar may follow the value). */
    private static double runsStartedByUploads() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(l -> l.startsWith("media_runs_started_total{trigger=\"upload\"} "))
                .mapToDouble(l -> Double.parseDouble(l.split(" ")[1])).findFirst()
                .orElseThrow(() -> new AssertionError("media_runs_started_total{trigger=\"upload\"} is not exported"));
    }

    @Test
    void anUploadWithoutMediaIdGetsAGeneratedOne() {
        given().contentType("application/json").body("{\"sourceUrl\":\"http://uploads.example/c.mp4\"}")
                .post("/media").then().statusCode(202).body("id", startsWith("med_"));
    }

    @Test
    void theSameMediaIdForAnotherSourceIsAConflictAndKeepsTheRecord() {
        String id = newId();
        given().contentType("application/json").body("{\"sourceUrl\":\"https://uploads.example/d.mp4\",\"mediaId\":\"" + id + "\"}")
                .post("/media").then().statusCode(202);
        given().contentType("application/json").body("{\"sourceUrl\":\"https://uploads.example/other.mp4\",\"mediaId\":\"" + id + "\"}")
                .post("/media").then().statusCode(409).body("code", equalTo("conflict"));
        given().get("/media/" + id).then().statusCode(200).body("sourceUrl", equalTo("https://uploads.example/d.mp4"));
    }

    @Test
    void badInputIsA400NamingTheField() {
        record Case(String body, String field) {
        }
        for (Case c : List.of(new Case("{}", "sourceUrl"), new Case("{\"sourceUrl\":\"ftp://x/y.mp4\"}", "sourceUrl"),
                new Case("{\"sourceUrl\":\"not a url\"}", "sourceUrl"),
                new Case("{\"sourceUrl\":\"https://u.example/" + "a".repeat(8200) + ".mp4\"}", "sourceUrl"),
                new Case("{\"sourceUrl\":\"https://u.example/v.mp4\",\"mediaId\":\"../etc\"}", "mediaId"),
                // reserved: GET /media/events is the caller's stream of changes
                new Case("{\"sourceUrl\":\"https://u.example/v.mp4\",\"mediaId\":\"events\"}", "mediaId"),
                new Case("{\"sourceUrl\":\"https://u.example/v.mp4\",\"mediaId\":{\"a\":1}}", "mediaId"))) {
            given().contentType("application/json").body(c.body()).post("/media")
                    .then().statusCode(400).body("errors[0].field", equalTo(c.field()))
                    .body("detail", not(containsString("Exception")));
        }
        // not JSON: where it broke; JSON of the wrong shape: the field's path
        given().contentType("application/json").body("{\n  \"sourceUrl\": \"https://u.example/v.mp4\",\n  oops\n}")
                .post("/media").then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("bad_request")).body("type", equalTo("urn:media-fanout:problem:bad_request"))
                .body("detail", containsString("line 3, column")).body("instance", equalTo("/media"));
        given().contentType("application/json").body("{\"sourceUrl\":\"https://u.example/v.mp4\",\"options\":"
                + "{\"poster-image\":{\"time\":{\"x\":1}}}}").post("/media").then().statusCode(400);
        given().contentType("application/json").body("[1,2]").post("/media").then().statusCode(400)
                .body("code", equalTo("bad_request"));
        given().get("/media?status=done").then().statusCode(400).body("errors[0].field", equalTo("status"));
        given().get("/media?limit=0").then().statusCode(400).body("errors[0].field", equalTo("limit"));
        given().get("/media?limit=abc").then().statusCode(400).body("errors[0].field", equalTo("limit"));
        assertThat(sentEvents()).isEmpty();
    }

    @Test
    void anUnknownRecordIsA404Problem() {
        String id = "nope-" + newId();
        given().get("/media/" + id).then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:media-fanout:problem:not_found")).body("title", equalTo("No such resource"))
                .body("status", equalTo(404)).body("code", equalTo("not_found"))
                .body("detail", equalTo("no media record " + id)).body("instance", equalTo("/media/" + id));
        // Quarkus REST's own refusals are problems too
        given().put("/media/" + id).then().statusCode(405).contentType("application/problem+json")
                .body("code", equalTo("method_not_allowed")).body("status", equalTo(405));
        given().contentType("text/plain").body("x").post("/media").then().statusCode(415)
                .contentType("application/problem+json").body("code", equalTo("unsupported_media_type"));
    }

    @Test
    void listsRecordsByStatusNewestFirst() throws Exception {
        String done = newId();
        String first = newId();
        String second = newId();
        MediaFixture fixture = MediaFixture.of(serveUrl);
        for (String id : List.of(done, first, second)) {
            fixture.upload(id);
        }
        assertThat(fixture.runUploaded(done).status()).as("the run of the event the API sent").isEqualTo("completed");
        List<String> ids = given().get("/media?status=processing&limit=100").then().statusCode(200)
                .body("limit", equalTo(100)).extract().path("items.id");
        assertThat(ids).containsSubsequence(second, first).doesNotContain(done);
        given().get("/media?status=processing&limit=100").then().statusCode(200)
                .body("items.status", everyItem(equalTo("processing")));
        // the filter is applied both ways: the ready record (the newest ready one) leads the page of ready ones,
        // where the two processing records are not
        List<String> ready = given().get("/media?status=ready&limit=100").then().statusCode(200)
                .body("items.status", everyItem(equalTo("ready"))).extract().path("items.id");
        assertThat(ready).startsWith(done).doesNotContain(first, second);
    }

    @Test
    void anUploadWhoseEventCannotBeSentIsKeptAndReportedAs503() {
        FakeInngestApi.server().route("POST", "/e/", r -> RecordingHttpServer.Reply.json(400, "{\"error\":\"bad event\"}"));
        String id = newId();
        given().contentType("application/json").body("{\"sourceUrl\":\"https://u.example/e.mp4\",\"mediaId\":\"" + id + "\"}")
                .post("/media").then().statusCode(503).body("code", equalTo("unavailable"));
        given().get("/media/" + id).then().statusCode(200).body("status", equalTo("processing"));
    }

    @Test
    void theApiIsDocumentedInOpenApi() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/media'.post.responses.'202'", not(equalTo(null)))
                .body("paths.'/media/{id}'.get.responses.'404'", not(equalTo(null)));
    }
}
