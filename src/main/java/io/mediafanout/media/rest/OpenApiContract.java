package io.mediafanout.media.rest;

import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * What the API document says the same on every machine (run at build time, so the committed copy
 * {@code openapi/openapi.yaml} has it): every error response (4xx, 5xx) is {@value Problem#MEDIA_TYPE} with the
 * {@link Problem} schema, as {@link ErrorMappers} answers it, whatever the operation produces otherwise (a stream's
 * errors too), the resources writing only each error's description; and its server is {@value #LOCAL_SERVER}, which
 * the running service replaces with its public URL ({@link OpenApiRuntime}); and the headers the service sets
 * ({@link #headers}). Not a setting
 * ({@code quarkus.smallrye-openapi.servers}): that one would take the build's environment into the document, and
 * would win over the running service's URL.
 */
@OpenApiFilter(stages = OpenApiFilter.RunStage.BUILD)
public class OpenApiContract implements OASFilter {

    static final String PROBLEM_REF = "#/components/schemas/Problem";
    static final String LOCAL_SERVER = "http://localhost:8080";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        openAPI.servers(List.of(OASFactory.createServer().url(LOCAL_SERVER)
                .description("The service run locally; the running service serves its public URL here")));
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().values().stream()
                .flatMap(OpenApiContract::operations)
                .filter(operation -> operation.getResponses() != null
                        && operation.getResponses().getAPIResponses() != null)
                .forEach(operation -> operation.getResponses().getAPIResponses().forEach((status, response) -> {
                    if (status.startsWith("4") || status.startsWith("5")) {
                        problemDetails(response);
                    }
                    headers(operation, status, response);
                }));
    }

    /**
     * The headers the service sets, where it sets them: {@code WWW-Authenticate} on a 401, {@code Retry-After} on a
     * 429 or 503, {@code Location} on a 202 (a run started: the record), {@code Idempotent-Replayed} on the answers of
     * an operation that takes an {@code Idempotency-Key}.
     */
    private static void headers(Operation operation, String status, APIResponse response) {
        switch (status) {
            case "401" -> response.addHeader("WWW-Authenticate", header("The scheme to authenticate with: Bearer",
                    "string"));
            case "429", "503" -> response.addHeader("Retry-After", header("Seconds to wait before trying again",
                    "integer"));
            case "202" -> response.addHeader("Location", header("The record's URL (GET it, or watch its events)",
                    "string"));
            default -> {
            }
        }
        boolean idempotent = operation.getParameters() != null && operation.getParameters().stream()
                .anyMatch(parameter -> "Idempotency-Key".equalsIgnoreCase(parameter.getName()));
        if (idempotent && (status.equals("200") || status.equals("202"))) {
            response.addHeader(MediaResource.REPLAYED_HEADER, header("true when this answer repeats the first "
                    + "request with the same Idempotency-Key (nothing new was started)", "string"));
        }
    }

    private static org.eclipse.microprofile.openapi.models.headers.Header header(String description, String type) {
        return OASFactory.createHeader().description(description).schema(OASFactory.createSchema()
                .addType(type.equals("integer") ? org.eclipse.microprofile.openapi.models.media.Schema.SchemaType.INTEGER
                        : org.eclipse.microprofile.openapi.models.media.Schema.SchemaType.STRING));
    }

    /** A path's operations (none when it has none). */
    static Stream<Operation> operations(PathItem path) {
        return path.getOperations() == null ? Stream.empty()
                : path.getOperations().values().stream().filter(Objects::nonNull);
    }

    private static void problemDetails(APIResponse response) {
        response.setContent(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE, OASFactory.createMediaType()
                .schema(OASFactory.createSchema().ref(PROBLEM_REF))));
    }
}
