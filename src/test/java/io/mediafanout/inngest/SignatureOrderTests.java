package io.mediafanout.inngest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Cloud mode refuses a request as cheaply as it can: the signature header is checked (present, well formed, fresh)
 * before the body is looked at, and a body is bounded in depth before it is canonicalised or parsed.
 */
@QuarkusTest
@TestProfile(CloudModeProfile.class)
class SignatureOrderTests {

    static final String URL = "/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step";
    static final String DEEP = "{\"event\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";

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
    void aFreshWellFormedHeaderWithAWrongMacIsRefused() {
        given().header("X-Inngest-Signature", freshHeader("ab".repeat(32))).body("{\"event\":{}}")
                .contentType("application/json").post(URL).then().statusCode(401);
    }
}
