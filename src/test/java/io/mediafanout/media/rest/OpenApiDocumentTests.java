package io.mediafanout.media.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.quarkus.test.junit.QuarkusTest;

/**
 * The API document client developers build on is committed ({@code openapi/openapi.yaml}, docs/api.md "OpenAPI
 * document"): it is the one the service serves, so a change of the API without it, or of it without the API, fails
 * here; and it depends on no setting of the machine that built it.
 */
@QuarkusTest
class OpenApiDocumentTests {

    static final Path STORED = Path.of("openapi", "openapi.yaml");
    /** Builds the document (target/openapi) without compiling the tests, which may use the old client. */
    static final String REFRESH = "./mvnw -B -ntp package -Dmaven.test.skip=true && cp target/openapi/openapi.yaml openapi/";

    @Test
    void theServedDocumentIsTheStoredOne() throws IOException {
        JsonNode stored = stored();
        ObjectNode served = (ObjectNode) new ObjectMapper().readTree(
                given().get("/q/openapi?format=json").then().statusCode(200).extract().asString());
        // the one part that is the running service's (OpenApiRuntime): MEDIA_API_PUBLIC_URL, where it is set
        served.set("servers", stored.get("servers"));

        List<String> differences = differences("", stored, served);
        assertThat(differences).as("%s differs from /q/openapi at these JSON pointers; if the API change is meant, "
                + "refresh the stored document: %s", STORED, REFRESH).isEmpty();
    }

    @Test
    void theStoredDocumentDependsOnNoSettingOfTheBuild() throws IOException {
        JsonNode stored = stored();

        assertThat(stored.path("servers").findValuesAsText("url")).containsExactly(OpenApiContract.LOCAL_SERVER);
        assertThat(stored.path("components").path("securitySchemes").fieldNames()).toIterable()
                .containsExactly(OpenApiRuntime.API_KEY);
        assertThat(stored.path("info").path("version").asText()).isNotBlank();
    }

    private static JsonNode stored() throws IOException {
        return new YAMLMapper().readTree(STORED.toFile());
    }

    /** The JSON pointers where {@code a} and {@code b} differ (a value, a missing or an extra member). */
    static List<String> differences(String at, JsonNode a, JsonNode b) {
        List<String> found = new ArrayList<>();
        if (a.isObject() && b.isObject()) {
            TreeSet<String> names = new TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String pointer = at + "/" + name.replace("~", "~0").replace("/", "~1");
                if (!a.has(name) || !b.has(name)) {
                    found.add(pointer + (a.has(name) ? " (only stored)" : " (only served)"));
                } else {
                    found.addAll(differences(pointer, a.get(name), b.get(name)));
                }
            }
        } else if (a.isArray() && b.isArray() && a.size() == b.size()) {
            Iterator<JsonNode> left = a.elements();
            Iterator<JsonNode> right = b.elements();
            for (int i = 0; left.hasNext(); i++) {
                found.addAll(differences(at + "/" + i, left.next(), right.next()));
            }
        } else if (!a.equals(b)) {
            found.add(at + ": stored " + a + ", served " + b);
        }
        return found;
    }
}
