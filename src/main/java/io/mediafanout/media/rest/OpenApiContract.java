package io.mediafanout.media.rest;

import java.util.List;
import java.util.Map;
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
 * the running service replaces with its public URL ({@link OpenApiRuntime}). Not a setting
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
                .flatMap(operation -> operation.getResponses().getAPIResponses().entrySet().stream())
                .filter(response -> response.getKey().startsWith("4") || response.getKey().startsWith("5"))
                .map(Map.Entry::getValue)
                .forEach(OpenApiContract::problemDetails);
    }

    private static Stream<Operation> operations(PathItem path) {
        return path.getOperations() == null ? Stream.empty()
                : path.getOperations().values().stream().filter(Objects::nonNull);
    }

    private static void problemDetails(APIResponse response) {
        response.setContent(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE, OASFactory.createMediaType()
                .schema(OASFactory.createSchema().ref(PROBLEM_REF))));
    }
}
