package io.mediafanout.media.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.BranchOption;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** The API document says of the branches what the {@link Branch} table says, with nothing listed by hand. */
@QuarkusTest
class OpenApiBranchesTests {

    @Test
    void theDocumentDescribesEveryBranchItsOptionsAndItsOutputField() {
        JsonPath document = given().get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath();
        String branches = document.getString("components.schemas.UploadRequest.properties.branches.description");
        String options = document.getString("components.schemas.UploadRequest.properties.options.description");

        for (Branch branch : Branch.values()) {
            assertThat(branches).contains(branch.id());
            for (BranchOption option : branch.options()) {
                assertThat(options).contains(option.name() + ": " + option.rule().values());
            }
            assertThat(document.getString("components.schemas.MediaResponse.properties." + branch.resultField()
                    + ".description")).as(branch.resultField()).contains(branch.id());
        }
        assertThat(options).contains("time: seconds (0-86400, to the millisecond) (default 2)");
    }
}
