package io.mediafanout.media.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.media.client.IttybitWebhooks;
import io.mediafanout.media.service.webhooks.TaskWebhookService;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/** Where Ittybit reports that a task ended ({@code webhook_url} of each task, see {@link IttybitWebhooks}). */
@Path(IttybitWebhooks.PATH + "/{taskKey}/{token}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
@Tag(name = "ittybit", description = "Callbacks from Ittybit")
public class IttybitWebhookResource {

    /** Webhook bodies are small task objects; anything larger is not read. */
    static final int MAX_BODY = 64 * 1024;

    /** The answer to an accepted webhook. */
    @RegisterForReflection
    public record Received(boolean received) {
    }

    private final TaskWebhookService service;
    private final ObjectMapper json;

    public IttybitWebhookResource(TaskWebhookService service, ObjectMapper json) {
        this.service = service;
        this.json = json;
    }

    @POST
    @Operation(operationId = "receiveIttybitWebhook", summary = "A task ended", description = "Sends ittybit/task.ended "
            + "for the task, which ends the wait of the branch that created it; the branch then reads the task from "
            + "Ittybit (the body is not trusted). No API key or token: the URL is the credential, its last segment an "
            + "HMAC of the task key (ITTYBIT_WEBHOOK_SECRET) that this service put in the task's webhook_url.")
    @SecurityRequirements
    @APIResponse(responseCode = "200", description = "Accepted",
            content = @Content(schema = @Schema(implementation = Received.class)))
    @APIResponse(responseCode = "404", description = "Not a webhook URL this service handed out")
    @APIResponse(responseCode = "503", description = "The event could not be sent to Inngest; Ittybit retries")
    public Uni<RestResponse<Object>> taskEnded(
            @Parameter(description = "The task's idempotency key") @PathParam("taskKey") String taskKey,
            @Parameter(description = "HMAC-SHA256 of the task key, hex: the proof that this service made the URL")
            @PathParam("token") String token, byte[] body) {
        return service.taskEnded(taskKey, token, parse(body)).map(outcome -> switch (outcome) {
            case ACCEPTED -> RestResponse.ok(new Received(true));
            case REJECTED -> RestResponse.ResponseBuilder.<Object> create(RestResponse.Status.NOT_FOUND).entity(
                    Problem.of(ProblemType.NOT_FOUND, "no such webhook: the URL is not one this service gave Ittybit"))
                    .build();
            case UNAVAILABLE -> RestResponse.ResponseBuilder.<Object> create(RestResponse.Status.SERVICE_UNAVAILABLE)
                    .entity(Problem.of(ProblemType.UNAVAILABLE, "the task's end could not be recorded; retry later"))
                    .header("Retry-After", "5").build();
        });
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0 || body.length > MAX_BODY) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (Exception notJson) {
            return null;
        }
    }
}
