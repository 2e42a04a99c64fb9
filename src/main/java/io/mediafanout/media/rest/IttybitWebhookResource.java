package io.mediafanout.media.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import io.mediafanout.media.client.IttybitWebhooks;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.mediafanout.media.service.TaskWebhookService;
import io.smallrye.mutiny.Uni;

/** Where Ittybit reports that a task ended ({@code webhook_url} of each task, see {@link IttybitWebhooks}). */
@Path(IttybitWebhooks.PATH + "/{taskKey}/{token}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
@Tag(name = "ittybit", description = "Callbacks from Ittybit")
public class IttybitWebhookResource {

    /** The answer to an accepted webhook. */
    @RegisterForReflection
    public record Received(boolean received) {
    }

    private final TaskWebhookService service;

    public IttybitWebhookResource(TaskWebhookService service) {
        this.service = service;
    }

    @POST
    @Operation(summary = "A task ended", description = "Wakes the branch waiting for the task; it then reads the task "
            + "from Ittybit (the body is not trusted).")
    @APIResponse(responseCode = "200", description = "Accepted")
    @APIResponse(responseCode = "404", description = "Not a webhook URL this service handed out")
    public Uni<RestResponse<Object>> taskEnded(@PathParam("taskKey") String taskKey, @PathParam("token") String token) {
        return service.taskEnded(taskKey, token).map(accepted -> accepted
                ? RestResponse.ok(new Received(true))
                : RestResponse.status(RestResponse.Status.NOT_FOUND,
                        ApiError.of("not_found", "no such webhook: the URL is not one this service gave Ittybit")));
    }
}
