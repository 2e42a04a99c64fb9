package io.mediafanout.media.service.callbacks;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.mediafanout.media.MediaFixture;
import io.mediafanout.media.ProductionLikeProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** In production an upload's callbackUrl must be https and must not reach inside the network (SSRF). */
@QuarkusTest
@TestProfile(ProductionLikeProfile.class)
class CallbackUrlPolicyTests {

    @Test
    void callbackUrlsPointingInsideOrNotHttpsAreA400AndNothingIsStored() {
        for (String url : List.of("http://hooks.example.com/x", "https://127.0.0.1/x", "https://localhost/x",
                "https://169.254.169.254/latest/meta-data", "https://10.0.0.7/x", "https://[::1]/x",
                "https://[fd12::1]/x", "https://user:pw@hooks.example.com/x", "https://[64:ff9b::7f00:1]/x",
                "https://[2002:a9fe:a9fe::1]/x", "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x",
                "https://[::ffff:a9fe:a9fe]/x", "https://hooks.media-fanout.invalid/x")) {
            String id = MediaFixture.newId("ssrf");
            given().contentType("application/json")
                    .body("{\"sourceUrl\":\"https://uploads.example/a.mp4\",\"mediaId\":\"" + id
                            + "\",\"callbackUrl\":\"" + url + "\"}")
                    .post("/media").then().statusCode(400).body("errors[0].field", equalTo("callbackUrl"))
                    .body("detail", containsString("callbackUrl"));
            given().get("/media/" + id).then().statusCode(404);
        }
    }
}
