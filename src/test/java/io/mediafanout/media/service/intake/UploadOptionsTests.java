package io.mediafanout.media.service.intake;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.media.MediaFixture;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Per-upload options and branch subsets: validated by the API, carried in the event, used for the Ittybit tasks,
 * recorded and shown.
 */
@QuarkusTest
class UploadOptionsTests {

    static final ObjectMapper JSON = MediaFixture.JSON;

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @BeforeEach
    void resetFakes() {
        FakeInngestApi.reset();
    }

    private static String newId() {
        return MediaFixture.newId("opt");
    }

    private static String upload(String id, String extra) {
        return MediaFixture.uploadBody(id, extra);
    }

    /** Runs the {@code video/uploaded} the API sent for {@code id}. */
    private ExecutorEmulator.Run run(String id) throws Exception {
        return MediaFixture.of(serveUrl).runUploaded(id);
    }

    private static JsonNode taskOptions(String id, String kind) throws Exception {
        return JSON.readTree(FakeIttybit.creates(id, kind).get(0).body()).path("options");
    }

    @Test
    void optionsOfAnUploadReachTheTasksAndAreShownOnTheRecord() throws Exception {
        String id = newId();
        given().contentType("application/json").body(upload(id, """
                ,"options": {"audio-transcription": {"language": "es"}, "poster-image": {"time": 12.5, "width": 640},
                             "gif-preview": {"start": 3, "end": 6}}"""))
                .post("/media").then().statusCode(202)
                .body("options.'audio-transcription'.language", equalTo("es"))
                .body("options.'poster-image'.time", equalTo(12.5f))
                .body("options.'poster-image'.format", equalTo("webp"));

        ExecutorEmulator.Run run = run(id);

        assertThat(run.status()).isEqualTo("completed");
        assertThat(taskOptions(id, "audio")).isEqualTo(JSON.readTree("{\"format\":\"json\",\"language\":\"es\"}"));
        assertThat(taskOptions(id, "image"))
                .isEqualTo(JSON.readTree("{\"format\":\"webp\",\"start\":12.5,\"width\":640}"));
        assertThat(taskOptions(id, "video"))
                .isEqualTo(JSON.readTree("{\"format\":\"gif\",\"start\":3,\"end\":6,\"width\":480}"));
        assertThat(taskOptions(id, "adaptive_video")).isEqualTo(JSON.readTree("{\"format\":\"hls\"}"));
        JsonPath media = given().get("/media/" + id).then().statusCode(200).extract().jsonPath();
        assertThat(media.getString("status")).isEqualTo("ready");
        assertThat(media.getString("options.'audio-transcription'.language")).isEqualTo("es");
    }

    @Test
    void anOptionTheUploadRemovedWithNullStaysRemovedInItsTask() throws Exception {
        String id = newId();
        given().contentType("application/json").body(upload(id, ",\"options\": {\"poster-image\": {\"width\": null}}"))
                .post("/media").then().statusCode(202)
                .body("options.'poster-image'.width", org.hamcrest.Matchers.nullValue());

        assertThat(run(id).status()).isEqualTo("completed");

        // the run takes the record's options as they are, not this server's defaults again
        assertThat(taskOptions(id, "image")).isEqualTo(JSON.readTree("{\"format\":\"webp\",\"start\":2}"));
    }

    @Test
    void withoutOptionsTheTasksGetTheHouseStyle() throws Exception {
        String id = newId();
        given().contentType("application/json").body(upload(id, "")).post("/media").then().statusCode(202)
                .body("options.'audio-transcription'.language", equalTo("en"));
        assertThat(MediaFixture.uploadedEvent(id).path("data").path("branches")).hasSize(Branch.values().length);

        assertThat(run(id).status()).isEqualTo("completed");
        assertThat(taskOptions(id, "image")).isEqualTo(JSON.readTree("{\"format\":\"webp\",\"start\":2,\"width\":1280}"));
    }

    @Test
    void aBranchSubsetRunsOnlyThoseBranchesAndTheRecordSaysSo() throws Exception {
        String id = newId();
        given().contentType("application/json").body(upload(id, ",\"branches\":[\"poster-image\",\"gif-preview\"]"))
                .post("/media").then().statusCode(202);

        ExecutorEmulator.Run run = run(id);

        assertThat(run.status()).isEqualTo("completed");
        assertThat(FakeIttybit.tasks(id, "image")).hasSize(1);
        assertThat(FakeIttybit.tasks(id, "video")).hasSize(1);
        assertThat(FakeIttybit.tasks(id, "adaptive_video")).isEmpty();
        assertThat(FakeIttybit.tasks(id, "audio")).isEmpty();
        JsonPath media = given().get("/media/" + id).then().statusCode(200).extract().jsonPath();
        assertThat(media.getString("status")).isEqualTo("ready");
        assertThat(media.getString("posterUrl")).isNotNull();
        assertThat(media.getString("hlsUrl")).isNull();
        assertThat(media.getString("transcriptionUrl")).isNull();
        assertThat(media.getList("branches.status"))
                .containsExactly("skipped", "completed", "completed", "skipped");
        assertThat(media.getMap("options").keySet()).containsExactly("poster-image", "gif-preview");
        assertThat(run.output().path("hlsUrl").isNull()).isTrue();
    }

    @Test
    void invalidOptionsAreA400NamingTheFieldAndNothingIsStored() {
        String id = newId();
        List<String[]> cases = List.of(
                new String[] { ",\"branches\":[\"thumbnails\"]", "branches[0]" },
                new String[] { ",\"options\":{\"poster-image\":{\"width\":100000}}", "options.poster-image.width" },
                new String[] { ",\"options\":{\"poster-image\":{\"height\":100}}", "options.poster-image.height" },
                new String[] { ",\"options\":{\"gif-preview\":{\"start\":9}}", "options.gif-preview.end" },
                new String[] { ",\"options\":{\"audio-transcription\":{\"language\":\"Klingon!\"}}",
                        "options.audio-transcription.language" },
                new String[] { ",\"branches\":[\"hls-package\"],\"options\":{\"poster-image\":{\"width\":640}}",
                        "options.poster-image" });
        for (String[] c : cases) {
            given().contentType("application/json").body(upload(id, c[0])).post("/media")
                    .then().statusCode(400).body("errors[0].field", equalTo(c[1])).body("code", equalTo("bad_request"));
        }
        given().get("/media/" + id).then().statusCode(404);
        assertThat(FakeInngestApi.receivedEvents()).isEmpty();
    }

    @Test
    void repeatingAnUploadWithOtherOptionsIsAConflictAndTheRecordKeepsItsOwn() {
        String id = newId();
        given().contentType("application/json").body(upload(id, ",\"options\":{\"audio-transcription\":{\"language\":\"de\"}}"))
                .post("/media").then().statusCode(202);
        given().contentType("application/json").body(upload(id, ",\"options\":{\"audio-transcription\":{\"language\":\"fr\"}}"))
                .post("/media").then().statusCode(409).body("detail", containsString("other branches or options"));
        given().contentType("application/json").body(upload(id, ",\"options\":{\"audio-transcription\":{\"language\":\"de\"}}"))
                .post("/media").then().statusCode(202);
        given().get("/media/" + id).then().statusCode(200).body("options.'audio-transcription'.language", equalTo("de"));
    }
}
