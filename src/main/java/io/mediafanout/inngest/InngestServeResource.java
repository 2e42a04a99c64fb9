package io.mediafanout.inngest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.smallrye.mutiny.Uni;

/**
 * The endpoint Inngest calls ({@code /api/inngest}). The body is read once, as bytes, so the signature is checked
 * over what was received and the response is sent exactly as signed.
 */
@Path("/api/inngest")
public class InngestServeResource {

    private final InngestServeHandler handler;

    public InngestServeResource(InngestServeHandler handler) {
        this.handler = handler;
    }

    @GET
    @Operation(hidden = true)
    public Uni<Response> get(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(request, uri, headers, null);
    }

    @PUT
    @Operation(hidden = true)
    public Uni<Response> put(byte[] body, @Context Request request, @Context UriInfo uri,
            @Context HttpHeaders headers) {
        return handle(request, uri, headers, body);
    }

    @POST
    @Operation(hidden = true)
    public Uni<Response> post(byte[] body, @Context Request request, @Context UriInfo uri,
            @Context HttpHeaders headers) {
        return handle(request, uri, headers, body);
    }

    @DELETE
    @Operation(hidden = true)
    public Uni<Response> delete(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(request, uri, headers, null);
    }

    @PATCH
    @Operation(hidden = true)
    public Uni<Response> patch(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(request, uri, headers, null);
    }

    @OPTIONS
    @Operation(hidden = true)
    public Uni<Response> options(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(request, uri, headers, null);
    }

    private Uni<Response> handle(Request request, UriInfo uri, HttpHeaders headers, byte[] body) {
        Map<String, String> query = new HashMap<>();
        uri.getQueryParameters().forEach((name, values) -> {
            if (!values.isEmpty()) {
                query.put(name, values.get(0));
            }
        });
        ServeRequest serveRequest = new ServeRequest(request.getMethod(), uri.getRequestUri(), query,
                name -> {
                    List<String> values = headers.getRequestHeader(name);
                    return values == null || values.isEmpty() ? null : values.get(0);
                }, body);
        return handler.handle(serveRequest).map(InngestServeResource::toResponse);
    }

    private static Response toResponse(ServeResponse response) {
        Response.ResponseBuilder builder = Response.status(response.status());
        response.headers().forEach(builder::header);
        return builder.entity(response.body()).build();
    }
}
