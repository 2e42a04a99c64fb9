package io.mediafanout.media.rest;

import java.util.stream.Collectors;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.media.Schema;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.BranchOption;

/**
 * Writes what the API document says of the branches from the {@link Branch} table (run at build time,
 * {@code mp.openapi.filter}): the branches and options an upload may choose ({@link MediaResource.UploadRequest}) and
 * the output URL field of each branch in a record ({@link MediaResponse}). A fifth branch appears in the document
 * without an edit here.
 */
public class OpenApiBranches implements OASFilter {

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null || openAPI.getComponents().getSchemas() == null) {
            return;
        }
        Schema upload = openAPI.getComponents().getSchemas().get(MediaResource.UploadRequest.class.getSimpleName());
        if (upload != null && upload.getProperties() != null) {
            describe(upload.getProperties().get("branches"), "the outputs to make, among " + Branch.ids()
                    + "; all when absent");
            describe(upload.getProperties().get("options"), "options per branch, overriding the service's defaults: "
                    + java.util.Arrays.stream(Branch.values()).map(OpenApiBranches::options)
                            .collect(Collectors.joining("; ")));
        }
        Schema record = openAPI.getComponents().getSchemas().get(MediaResponse.class.getSimpleName());
        if (record != null) {
            for (Branch branch : Branch.values()) {
                record.addProperty(branch.resultField(), OASFactory.createSchema()
                        .addType(Schema.SchemaType.STRING)
                        .description("URL of the " + branch.id() + " output; null until the branch made it"));
            }
        }
    }

    private static String options(Branch branch) {
        return branch.id() + " {" + branch.options().stream()
                .map(option -> option.name() + ": " + option.rule().values() + defaultOf(option))
                .collect(Collectors.joining(", ")) + "}";
    }

    private static String defaultOf(BranchOption option) {
        return option.defaultValue() == null ? "" : " (default " + option.defaultValue() + ")";
    }

    private static void describe(Schema property, String description) {
        if (property != null) {
            property.setDescription(description);
        }
    }
}
