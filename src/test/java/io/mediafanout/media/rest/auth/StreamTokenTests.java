package io.mediafanout.media.rest.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.mediafanout.media.MediaFixture;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * {@code POST /media/{id}/events/token}: a browser's {@code EventSource} cannot send an {@code Authorization} header,
 * so the owner's server asks for a short-lived URL of one record's stream and hands it to the page. The URL opens that
 * stream without credentials, and nothing else: not the record, not another record's stream, not a write.
 */
@QuarkusTest
@TestProfile(ApiCallersProfile.class)
class StreamTokenTests {

    static final String STREAMER = "mf_streamer_" + "7".repeat(32);
    static final String STRANGER = "mf_stranger_" + "8".repeat(32);

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    private static JsonPath token(String key, String mediaId) {
        return given().header("Authorization", "Bearer " + key).post("/media/" + mediaId + "/events/token").then()
                .statusCode(200).header("Cache-Control", "no-store").extract().jsonPath();
    }

    @Test
    void aStreamUrlOpensThatRecordsStreamWithoutCredentialsAndNothingElse() throws Exception {
        MediaFixture streamer = MediaFixture.of(serveUrl).as(STREAMER);
        String mediaId = MediaFixture.newId("token");
        assertThat(streamer.run(mediaId).status()).isEqualTo("completed");
        Instant asked = Instant.now();

        JsonPath issued = token(STREAMER, mediaId);
        String url = issued.getString("url");
        String token = issued.getString("token");
        assertThat(url).contains("/media/" + mediaId + "/events?token=").endsWith(token);
        assertThat(Instant.parse(issued.getString("expiresAt")))
                .isBetween(asked.plus(Duration.ofMinutes(4)), asked.plus(Duration.ofMinutes(6)));

        // the URL alone opens the stream, readable from any page's origin: the record is ready, so it ends at once
        String stream = given().accept("text/event-stream").get(url).then().statusCode(200)
                .header("Access-Control-Allow-Origin", "*").extract().asString();
        assertThat(stream).contains("event:media", "\"id\":\"" + mediaId + "\"", "\"status\":\"ready\"");

        // behind the Ingress (TLS ends there, X-Forwarded-Proto says so) the URL is the public https one
        assertThat(given().header("Authorization", "Bearer " + STREAMER).header("X-Forwarded-Proto", "https")
                .post("/media/" + mediaId + "/events/token").then().statusCode(200).extract().jsonPath()
                .getString("url")).startsWith("https://").contains("/media/" + mediaId + "/events?token=");

        // nothing else: the record itself, a write, another record's stream, a tampered token
        given().queryParam("token", token).get("/media/" + mediaId).then().statusCode(401);
        given().queryParam("token", token).delete("/media/" + mediaId).then().statusCode(401);
        given().queryParam("token", token).post("/media/" + mediaId + "/events/token").then().statusCode(401);
        String otherId = MediaFixture.newId("token");
        streamer.upload(otherId);
        given().accept("text/event-stream").queryParam("token", token).get("/media/" + otherId + "/events").then()
                .statusCode(401).header("WWW-Authenticate", containsString("Bearer"))
                .body("code", equalTo("unauthorized")).body("detail", containsString("stream token"));
        String tampered = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");
        given().accept("text/event-stream").queryParam("token", tampered).get("/media/" + mediaId + "/events").then()
                .statusCode(401).body("code", equalTo("unauthorized"));
    }

    @Test
    void onlyTheRecordsOwnerGetsAStreamUrlAnotherOwnerGets404() {
        MediaFixture streamer = MediaFixture.of(serveUrl).as(STREAMER);
        String mediaId = MediaFixture.newId("token");
        streamer.upload(mediaId);

        given().header("Authorization", "Bearer " + STRANGER).post("/media/" + mediaId + "/events/token").then()
                .statusCode(404).body("code", equalTo("not_found"));
        given().post("/media/" + mediaId + "/events/token").then().statusCode(401);
        // a stream token of the stranger's own (no record of theirs has this id) does not exist either
        given().header("Authorization", "Bearer " + STRANGER).post("/media/no-such-" + mediaId + "/events/token")
                .then().statusCode(404);
    }
}
