package io.mediafanout.media.rest.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.mediafanout.media.MediaFixture;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeOidcProvider;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * The media API with an identity provider (OIDC) and API keys side by side, both as {@code Authorization: Bearer}:
 * an access token of the provider, for this API's audience, carries its roles in {@code scope}; a token that is
 * expired, from another issuer, for another audience or not signed by the provider gets 401 (JSON, with the scheme),
 * and nothing is stored or sent; API keys keep working; each token subject has its own rate limit.
 */
@QuarkusTest
@TestProfile(ApiCallersProfile.class)
class OidcTests {

    static final String KEY = "mf_oidc_writer_" + "d".repeat(32);
    static final String PUBLIC_URL = "https://media.example.com";

    private static String upload(String id) {
        return "{\"sourceUrl\":\"https://uploads.example/" + id + ".mp4\",\"mediaId\":\"" + id + "\"}";
    }

    private static String newId() {
        return MediaFixture.newId("oidc");
    }

    private static int eventsSent() {
        return FakeInngestApi.server().received(r -> r.path().startsWith("/e/")).size();
    }

    private static int callsToTheProvider() {
        return FakeOidcProvider.server().received().size();
    }

    @Test
    void theServedDocumentOffersTheProvidersTokensBesideApiKeysAtThePublicUrl() {
        JsonPath document = given().get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath();

        assertThat(document.getString("components.securitySchemes.oidc.type")).isEqualTo("openIdConnect");
        assertThat(document.getString("components.securitySchemes.oidc.openIdConnectUrl"))
                .isEqualTo(FakeOidcProvider.issuer() + "/.well-known/openid-configuration");
        for (String operation : List.of("'/media'.post", "'/media/{id}'.get", "'/media/{id}/events'.get")) {
            assertThat(document.getList("paths." + operation + ".security")).as(operation)
                    .containsExactly(Map.of("apiKey", List.of()), Map.of("oidc", List.of()));
        }
        assertThat(document.getList("paths.'/ittybit/webhooks/{taskKey}/{token}'.post.security")).isEmpty();
        assertThat(document.getList("servers.url")).containsExactly(PUBLIC_URL);
    }

    @Test
    void aTokenWithTheWriteRoleUploadsAndOneWithTheReadRoleReadsButCannotUpload() {
        String id = newId();
        String reader = FakeOidcProvider.token().subject("uploader").roles("media:read").authorization();
        given().header("Authorization", reader).contentType("application/json").body(upload(id))
                .post("/media").then().statusCode(403).body("code", equalTo("forbidden"))
                .body(not(containsString("Exception")));
        given().header("Authorization", FakeOidcProvider.token().subject("uploader").roles("media:write").authorization())
                .contentType("application/json").body(upload(id)).post("/media").then().statusCode(202)
                .body("id", equalTo(id));
        given().header("Authorization", reader).get("/media/" + id).then().statusCode(200).body("id", equalTo(id))
                .body("owner", equalTo("uploader"));
        given().header("Authorization", reader).get("/media?limit=1").then().statusCode(200);
        // records belong to the token's subject: another subject's token does not see them
        given().header("Authorization", FakeOidcProvider.token().subject("dashboard").roles("media:read").authorization())
                .get("/media/" + id).then().statusCode(404);
    }

    @Test
    void aTokenWithoutAnyMediaRoleIsAuthenticatedButForbidden() {
        String none = FakeOidcProvider.token().subject("nobody").roles("openid", "profile").authorization();
        given().header("Authorization", none).get("/media/" + newId()).then().statusCode(403)
                .body("code", equalTo("forbidden"));
    }

    @Test
    void tokensThisServiceDoesNotAcceptAre401WithTheSchemeAndNothingIsStoredOrSent() {
        int before = eventsSent();
        String id = newId();
        Map<String, String> refused = Map.of(
                "expired", FakeOidcProvider.token().subject("late").roles("media:write").expiredSecondsAgo(3600).authorization(),
                "another issuer", FakeOidcProvider.token().subject("elsewhere").roles("media:write")
                        .issuer("https://idp.example/realms/other").authorization(),
                "another audience", FakeOidcProvider.token().subject("other-api").roles("media:write")
                        .audience("another-api").authorization(),
                "a bad signature", FakeOidcProvider.token().subject("forger").roles("media:write").signedByAnotherKey()
                        .authorization(),
                "a token that is neither a key nor a JWT", "Bearer mf_unknown_key",
                "a tampered token", tampered(FakeOidcProvider.token().subject("tamperer").roles("media:read").sign()));
        refused.forEach((what, authorization) -> given().header("Authorization", authorization)
                .contentType("application/json").body(upload(id)).post("/media").then().log().ifValidationFails()
                .statusCode(401).header("WWW-Authenticate", containsString("Bearer"))
                .body("code", equalTo("unauthorized")).body(not(containsString("Exception"))));
        given().header("Authorization", "Bearer " + KEY).get("/media/" + id).then().statusCode(404);
        assertThat(eventsSent()).isEqualTo(before);
    }

    /** The token with its payload's last character changed: the signature no longer matches. */
    private static String tampered(String jwt) {
        String[] parts = jwt.split("\\.");
        char last = parts[1].charAt(parts[1].length() - 1);
        parts[1] = parts[1].substring(0, parts[1].length() - 1) + (last == 'A' ? 'B' : 'A');
        return "Bearer " + String.join(".", parts);
    }

    @Test
    void apiKeysKeepWorkingAlongsideTokensAndUnknownKeysCostNoCallToTheProvider() {
        String id = newId();
        given().header("Authorization", "Bearer " + KEY).contentType("application/json").body(upload(id))
                .post("/media").then().statusCode(202);
        given().header("Authorization", FakeOidcProvider.token().subject("reader-2").roles("media:admin").authorization())
                .get("/media/" + id).then().statusCode(200).body("id", equalTo(id));
        int calls = callsToTheProvider();
        given().header("Authorization", "Bearer " + KEY.substring(1)).get("/media/" + id).then().statusCode(401);
        given().get("/media/" + id).then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"));
        assertThat(callsToTheProvider()).isEqualTo(calls);
    }

    @Test
    void aTokenSubjectOverItsRateGets429WithRetryAfterAndOtherSubjectsKeepTheirBudget() {
        String busy = FakeOidcProvider.token().subject("busy-client").roles("media:read").authorization();
        List<Response> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(given().header("Authorization", busy).get("/media?limit=1"));
        }
        assertThat(answers).extracting(Response::statusCode).startsWith(200, 200, 200, 200, 200).contains(429);
        Response limited = answers.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isPositive();
        assertThat(limited.jsonPath().getString("code")).isEqualTo("rate_limited");
        // a new token of the same subject shares the budget; another subject has its own
        given().header("Authorization", FakeOidcProvider.token().subject("busy-client").roles("media:read").authorization())
                .get("/media?limit=1").then().statusCode(429);
        given().header("Authorization", FakeOidcProvider.token().subject("calm-client").roles("media:read").authorization())
                .get("/media?limit=1").then().statusCode(200);
    }

    @Test
    void theOpenApiDocumentSaysTheBearerSchemeTakesAnApiKeyOrAnAccessToken() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("components.securitySchemes.apiKey.scheme", equalTo("bearer"))
                .body("components.securitySchemes.apiKey.description", containsString("API key"))
                .body("components.securitySchemes.apiKey.description", containsString("access token"));
    }
}
