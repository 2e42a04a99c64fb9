package io.mediafanout.inngest.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.mediafanout.inngest.CloudModeProfile;
import io.mediafanout.inngest.serve.InngestServeHandler;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Cloud mode refuses a request as cheaply as it can: the signature header is checked (present, well formed, fresh)
 * before the body is looked at, a body is bounded in depth as its signature is computed, and nothing is built from
 * it before its signature matched.
 */
@QuarkusTest
@TestProfile(CloudModeProfile.class)
class SignatureOrderTests {

    static final String URL = "/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step";
    static final String DEEP = "{\"event\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";

    @TestHTTPResource("/")
    URI base;

    private static String freshHeader(String mac) {
        return "t=" + System.currentTimeMillis() / 1000 + "&s=" + mac;
    }

    @Test
    void anUnsignedDeeplyNestedBodyIsRefused401WithoutBeingParsed() {
        // octet-stream: RestAssured would pretty-print a JSON body this deep in its logs
        given().body(DEEP.getBytes()).contentType("application/octet-stream").post(URL).then().statusCode(401)
                .body("message", equalTo("Unauthorized"));
    }

    @Test
    void malformedOrStaleHeadersAreRefusedWhateverTheBody() {
        for (String header : new String[] { "garbage", "t=abc&s=" + "0".repeat(64), "t=1700000000&s=short",
                "t=1700000000&s=" + "0".repeat(64), "s=" + "0".repeat(64), "t=" + "9".repeat(300) }) {
            given().header("X-Inngest-Signature", header).body("{not json").contentType("application/json")
                    .post(URL).then().statusCode(401).body("message", equalTo("Unauthorized"));
        }
    }

    @Test
    void aFreshWellFormedHeaderOnATooDeepBodyGets400BeforeCanonicalisation() {
        given().header("X-Inngest-Signature", freshHeader("0".repeat(64))).body(DEEP.getBytes())
                .contentType("application/octet-stream").post(URL).then().statusCode(400).body("message", containsString("nests deeper than 1000 levels"));
    }

    @Test
    void aWrongMacOnEightMegabytesOfTinyValuesIsRefused401() throws Exception {
        // canonical ([{},{},…]) and not ([{}, {}, …]): neither is made into a tree before its signature matched
        // (java.net.http rather than RestAssured, which takes seconds to send 8 MiB)
        HttpClient http = HttpClient.newHttpClient();
        for (String separator : new String[] { ",", ", " }) {
            byte[] body = ("[{}" + (separator + "{}").repeat((8 * 1024 * 1024 - 4096) / (separator.length() + 2)) + "]")
                    .getBytes(StandardCharsets.US_ASCII);
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve(URL.substring(1)))
                    .header("X-Inngest-Signature", freshHeader("ab".repeat(32)))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(separator).isEqualTo(401);
            assertThat(response.body()).as(separator).contains("\"Unauthorized\"");
        }
    }

    @Test
    void aFreshWellFormedHeaderWithAWrongMacIsRefused() {
        given().header("X-Inngest-Signature", freshHeader("ab".repeat(32))).body("{\"event\":{}}")
                .contentType("application/json").post(URL).then().statusCode(401);
    }

    @Test
    void aLargeCorrectlySignedCallIsVerifiedOffTheEventLoopAndRuns() throws Exception {
        // over VERIFY_OFF_LOOP_BYTES: verified on a worker, then executed back on the request's event loop; both the
        // canonical form (as Inngest sends it) and spaced bytes (signed over their canonical form) are accepted
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode body = (com.fasterxml.jackson.databind.node.ObjectNode) json
                .readTree(io.mediafanout.testing.Transcript.load("02-A-post-discovery-no-state.json").requestBody());
        ((com.fasterxml.jackson.databind.node.ObjectNode) body.path("event").path("data")).put("note",
                "x".repeat(InngestServeHandler.VERIFY_OFF_LOOP_BYTES));
        byte[] canonical = Signatures.signedBytes(json.writeValueAsBytes(body));
        byte[] spaced = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        for (byte[] sent : new byte[][] { canonical, spaced }) {
            String header = Signatures.header(CloudModeProfile.SIGNING_KEY, canonical, System.currentTimeMillis() / 1000);
            given().header("X-Inngest-Signature", header).body(sent).contentType("application/json").post(URL)
                    .then().statusCode(206);
        }
    }
}
