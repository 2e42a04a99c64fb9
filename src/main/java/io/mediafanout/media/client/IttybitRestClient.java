package io.mediafanout.media.client;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.databind.JsonNode;

import io.smallrye.mutiny.Uni;

/**
 * The Ittybit task API as HTTP. Answers are read as JSON trees because the API changed shape several times;
 * {@link IttybitClient} interprets them. Non-2xx answers are returned, not thrown.
 */
@RegisterRestClient(configKey = "ittybit")
@Path("/tasks")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
interface IttybitRestClient {

    @POST
    Uni<RestResponse<JsonNode>> create(@HeaderParam("Authorization") String authorization,
            @HeaderParam("Accept-Version") String acceptVersion,
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            CreateTaskRequest request);

    @GET
    @Path("/{id}")
    Uni<RestResponse<JsonNode>> get(@HeaderParam("Authorization") String authorization,
            @HeaderParam("Accept-Version") String acceptVersion,
            @PathParam("id") String id);
}
