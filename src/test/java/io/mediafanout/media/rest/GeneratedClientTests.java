package io.mediafanout.media.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.mediafanout.client.ApiClient;
import io.mediafanout.client.ApiException;
import io.mediafanout.client.ApiResponse;
import io.mediafanout.client.api.MediaApi;
import io.mediafanout.client.model.FieldError;
import io.mediafanout.client.model.MediaResponse;
import io.mediafanout.client.model.MediaStatus;
import io.mediafanout.client.model.Problem;
import io.mediafanout.client.model.UploadRequest;
import io.mediafanout.media.MediaFixture;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A client generated from the stored API document ({@code openapi/openapi.yaml}, openapi-generator's {@code java}
 * client, see the pom) works against the running service, as a client developer would use it: only its classes here.
 */
@QuarkusTest
class GeneratedClientTests {

    @TestHTTPResource("/")
    URI service;

    private ApiClient client;
    private MediaApi media;

    @BeforeEach
    void client() {
        client = new ApiClient();
        client.updateBaseUri(service.toString().replaceAll("/$", ""));
        media = new MediaApi(client);
    }

    @Test
    void theGeneratedClientUploadsReadsListsCancelsAndReprocessesARecord() throws ApiException {
        String id = MediaFixture.newId("gen");
        UploadRequest upload = new UploadRequest().sourceUrl(MediaFixture.sourceUrl(id)).mediaId(id)
                .branches(List.of("poster-image"));
        String key = UUID.randomUUID().toString();

        ApiResponse<MediaResponse> accepted = media.uploadMediaWithHttpInfo(upload, key);
        assertThat(accepted.getStatusCode()).isEqualTo(202);
        assertThat(accepted.getData().getStatus()).isEqualTo(MediaStatus.PROCESSING);
        ApiResponse<MediaResponse> replayed = media.uploadMediaWithHttpInfo(upload, key);
        assertThat(replayed.getHeaders().get(MediaResource.REPLAYED_HEADER)).containsExactly("true");
        assertThat(replayed.getData().getCreatedAt()).isEqualTo(accepted.getData().getCreatedAt());

        MediaResponse record = media.getMedia(id);
        assertThat(record.getId()).isEqualTo(id);
        assertThat(record.getBranches()).hasSize(4);
        assertThat(media.listMedia(100, MediaStatus.PROCESSING).getItems()).extracting(MediaResponse::getId).contains(id);

        assertThat(media.cancelMedia(id).getStatus()).isEqualTo(MediaStatus.CANCELLED);
        assertThat(media.listMedia(100, MediaStatus.CANCELLED).getItems()).extracting(MediaResponse::getId).contains(id);

        ApiResponse<MediaResponse> reprocessed = media.reprocessMediaWithHttpInfo(id, null);
        assertThat(reprocessed.getStatusCode()).isEqualTo(202);
        assertThat(reprocessed.getData().getStatus()).isEqualTo(MediaStatus.PROCESSING);
    }

    @Test
    void anErrorReachesTheGeneratedClientAsProblemDetails() throws Exception {
        ApiException unknown = catchThrowableOfType(ApiException.class, () -> media.getMedia(MediaFixture.newId("none")));
        assertThat(unknown.getCode()).isEqualTo(404);
        assertThat(unknown.getResponseHeaders().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        Problem problem = client.getObjectMapper().readValue(unknown.getResponseBody(), Problem.class);
        assertThat(problem.getCode()).isEqualTo("not_found");
        assertThat(problem.getType()).isEqualTo("urn:media-fanout:problem:not_found");
        assertThat(problem.getStatus()).isEqualTo(404);

        ApiException invalid = catchThrowableOfType(ApiException.class,
                () -> media.uploadMedia(new UploadRequest().sourceUrl("ftp://uploads.example/a.mp4"), null));
        Problem badRequest = client.getObjectMapper().readValue(invalid.getResponseBody(), Problem.class);
        assertThat(badRequest.getStatus()).isEqualTo(400);
        assertThat(badRequest.getErrors()).extracting(FieldError::getField).containsExactly("sourceUrl");
    }
}
