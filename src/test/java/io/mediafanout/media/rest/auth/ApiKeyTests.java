package io.mediafanout.media.rest.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.mediafanout.media.MediaFixture;
import io.mediafanout.testing.FakeInngestApi;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * The media API with API keys configured (as in production): a key's hash, name and roles; 401 without a valid key,
 * 403 without the role, 429 over the key's rate; nothing stored and nothing sent for a refused request.
 */
@QuarkusTest
@TestProfile(ApiCallersProfile.class)
class ApiKeyTests {

    static final String WRITER = "mf_writer_" + "a".repeat(32);
    static final String READER = "mf_reader_" + "b".repeat(32);
    static final String LIMITED = "mf_limited_" + "c".repeat(32);
    static final String VIEWER = "mf_viewer_" + "e".repeat(32);
    static final String CHECKER = "mf_checker_" + "f".repeat(32);

    private static String upload(String id) {
        return "{\"sourceUrl\":\"https://uploads.example/" + id + ".mp4\",\"mediaId\":\"" + id + "\"}";
    }

    private static int eventsSent() {
        return FakeInngestApi.server().received(r -> r.path().startsWith("/e/")).size();
    }

    @Test
    void uploadsWithoutAValidKeyAre401WithTheSchemeAndNothingIsStoredOrSent() {
        int before = eventsSent();
        String id = MediaFixture.newId("auth");
        for (String authorization : new String[] { null, "Bearer mf_unknown_key", "Basic d3JpdGVyOnB3",
                "Bearer " + WRITER.substring(1), "Bearer " + "x".repeat(5000) }) {
            var request = given().contentType("application/json").body(upload(id));
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            request.post("/media").then().statusCode(401)
                    .header("WWW-Authenticate", containsString("Bearer"))
                    .body("code", equalTo("unauthorized")).body(not(containsString("Exception")));
        }
        given().header("Authorization", "Bearer " + READER).get("/media/" + id).then().statusCode(404);
        assertThat(eventsSent()).isEqualTo(before);
    }

    @Test
    void aKeyWithoutTheWriteRoleCannotUploadAndAnAdminKeyReadsEveryOwnersRecords() {
        String id = MediaFixture.newId("auth");
        given().header("Authorization", "Bearer " + READER).contentType("application/json").body(upload(id))
                .post("/media").then().statusCode(403).body("code", equalTo("forbidden"));
        given().header("Authorization", "Bearer " + WRITER).contentType("application/json").body(upload(id))
                .post("/media").then().statusCode(202);
        given().header("Authorization", "Bearer " + WRITER).get("/media/" + id).then().statusCode(200)
                .body("id", equalTo(id));
        given().header("Authorization", "Bearer " + CHECKER).get("/media/" + id).then().statusCode(200)
                .body("id", equalTo(id));
        given().get("/media/" + id).then().statusCode(401);
        given().get("/media").then().statusCode(401);
    }

    /** A key whose entry was removed from MEDIA_API_KEYS (rotated out): it is refused like any unknown key. */
    static final String REVOKED = "mf_revoked_" + "d".repeat(32);

    @Test
    void everyMediaRouteRefusesMissingUnknownAndRevokedKeys401AndKeysWithoutTheRole403() {
        String id = MediaFixture.newId("auth");
        given().header("Authorization", "Bearer " + WRITER).contentType("application/json").body(upload(id))
                .post("/media").then().statusCode(202);
        int before = eventsSent();
        record Route(String method, String path, String roleNeeded) {
        }
        List<Route> routes = List.of(new Route("POST", "/media", "write"),
                new Route("POST", "/media/" + id + "/reprocess", "write"), new Route("GET", "/media/" + id, "read"),
                new Route("GET", "/media", "read"));
        for (Route route : routes) {
            for (String authorization : new String[] { null, "Bearer mf_unknown_key", "Bearer " + REVOKED }) {
                var request = given().contentType("application/json").body(upload(id + "x"));
                if (authorization != null) {
                    request.header("Authorization", authorization);
                }
                request.request(route.method(), route.path()).then().statusCode(401)
                        .header("WWW-Authenticate", containsString("Bearer")).body("code", equalTo("unauthorized"));
            }
            String withoutRole = route.roleNeeded().equals("write") ? VIEWER : null;
            if (withoutRole != null) {
                given().header("Authorization", "Bearer " + withoutRole).contentType("application/json")
                        .body(upload(id + "x")).request(route.method(), route.path()).then().statusCode(403)
                        .body("code", equalTo("forbidden"));
            }
        }
        // nothing stored, nothing started: the refused upload has no record, the record is in its first round
        given().header("Authorization", "Bearer " + CHECKER).get("/media/" + id + "x").then().statusCode(404);
        given().header("Authorization", "Bearer " + CHECKER).get("/media/" + id).then().statusCode(200)
                .body("status", equalTo("processing"));
        assertThat(eventsSent()).isEqualTo(before);
    }

    @Test
    void aKeyOverItsRateGets429WithRetryAfter() throws Exception {
        // 20 at once: a burst of 5 and 1 a second refill far fewer, however slowly a loaded machine serves them
        List<Response> answers = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(20);
        try {
            Callable<Response> request = () -> given().header("Authorization", "Bearer " + LIMITED).get("/media?limit=1");
            for (Future<Response> answer : clients.invokeAll(java.util.Collections.nCopies(20, request))) {
                answers.add(answer.get());
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(answers).extracting(Response::statusCode).contains(200, 429).containsOnly(200, 429);
        Response limited = answers.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isPositive();
        assertThat(limited.jsonPath().getString("code")).isEqualTo("rate_limited");
        // other keys have their own budget
        given().header("Authorization", "Bearer " + READER).get("/media?limit=1").then().statusCode(200);
    }

    @Test
    void inngestWebhooksAndHealthDoNotTakeApiKeys() {
        given().get("/api/inngest").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().contentType("application/json").body("{}").post("/ittybit/webhooks/" + "0".repeat(32) + "/" + "0".repeat(32))
                .then().statusCode(404);
    }

    @Test
    void theOpenApiDocumentDeclaresTheBearerScheme() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("components.securitySchemes.apiKey.type", equalTo("http"))
                .body("components.securitySchemes.apiKey.scheme", equalTo("bearer"));
    }
}
