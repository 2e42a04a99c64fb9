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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;

/**
 * The endpoint Inngest calls ({@code /api/inngest}). The body is read once, as bytes, so the signature is checked
 * over what was received and the response is sent exactly as signed.
 */
@Path("/api/inngest")
public class InngestServeResource {

    private static final String JSON = MediaType.APPLICATION_JSON;

    private final InngestServeHandler handler;

    public InngestServeResource(InngestServeHandler handler) {
        this.handler = handler;
    }

    @GET
    @Operation(hidden = true)
    public Uni<Response> get(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers,
            @Context HttpServerResponse http) {
        return handle(request, uri, headers, http, null);
    }

    @PUT
    @Operation(hidden = true)
    public Uni<Response> put(byte[] body, @Context Request request, @Context UriInfo uri,
            @Context HttpHeaders headers, @Context HttpServerResponse http) {
        return handle(request, uri, headers, http, body);
    }

    @POST
    @Operation(hidden = true)
    public Uni<Response> post(byte[] body, @Context Request request, @Context UriInfo uri,
            @Context HttpHeaders headers, @Context HttpServerResponse http) {
        return handle(request, uri, headers, http, body);
    }

    @DELETE
    @Operation(hidden = true)
    public Uni<Response> delete(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers,
            @Context HttpServerResponse http) {
        return handle(request, uri, headers, http, null);
    }

    @PATCH
    @Operation(hidden = true)
    public Uni<Response> patch(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers,
            @Context HttpServerResponse http) {
        return handle(request, uri, headers, http, null);
    }

    @OPTIONS
    @Operation(hidden = true)
    public Uni<Response> options(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers,
            @Context HttpServerResponse http) {
        return handle(request, uri, headers, http, null);
    }

    private Uni<Response> handle(Request request, UriInfo uri, HttpHeaders headers, HttpServerResponse http,
            byte[] body) {
        Map<String, String> query = new HashMap<>();
        uri.getQueryParameters().forEach((name, values) -> {
            if (!values.isEmpty()) {
                query.put(name, values.get(0));
            }
        });
        ServeRequest serveRequest = new ServeRequest(request.getMethod(), uri::getRequestUri, query,
                name -> {
                    List<String> values = headers.getRequestHeader(name);
                    return values == null || values.isEmpty() ? null : values.get(0);
                }, body);
        return handler.handle(serveRequest).map(response -> toResponse(response, http));
    }

    /**
     * The protocol headers go straight onto the Vert.x response (JAX-RS' case-insensitive header map cost more CPU
     * than the rest of a replayed call); Quarkus REST adds the status, the content type and the body.
     */
    private static Response toResponse(ServeResponse response, HttpServerResponse http) {
        String contentType = null;
        for (Map.Entry<String, String> header : response.headers().entrySet()) {
            if (header.getKey().equalsIgnoreCase(HttpHeaders.CONTENT_TYPE)) {
                contentType = header.getValue();
            } else {
                http.putHeader(header.getKey(), header.getValue());
            }
        }
        return Response.status(response.status())
                .type(JSON.equals(contentType) ? MediaType.APPLICATION_JSON_TYPE : contentType == null ? null
                        : MediaType.valueOf(contentType))
                .entity(response.body()).build();
    }
}
