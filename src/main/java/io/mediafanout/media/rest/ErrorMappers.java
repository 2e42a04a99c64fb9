package io.mediafanout.media.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.mediafanout.inngest.InngestClient;
import io.mediafanout.media.config.DatabasePool;
import io.mediafanout.media.domain.Upload;
import io.mediafanout.media.rest.auth.ApiKeyAuthenticationMechanism;
import io.mediafanout.media.rest.auth.Callers;
import io.mediafanout.media.rest.auth.StreamTokenAuthenticationMechanism;
import io.mediafanout.media.service.CancelNotSentException;
import io.mediafanout.media.service.ConflictException;
import io.mediafanout.media.service.NotFoundException;
import io.mediafanout.media.service.intake.IdempotentRequest;
import io.mediafanout.media.service.intake.InProgressCapException;
import io.mediafanout.media.service.live.LiveMedia;
import io.quarkus.logging.Log;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/** Every error of the HTTP API is JSON with a clear message; no stack trace or class name reaches a client. */
public class ErrorMappers {

    /** How to start the Inngest dev server (README, "Try the whole pipeline locally"). */
    static final String START_DEV_SERVER = "npx inngest-cli@latest dev";
    static final String NOT_STARTED = "the upload is stored but processing could not be started yet; it is retried "
            + "automatically, and repeating the request is safe";

    /**
     * Whether answers may say how to fix a local setup (where the Inngest dev server was expected, how to start it):
     * in {@code quarkus:dev} and tests, never in the production profile, whose callers are the API's clients.
     */
    private final boolean localSetupHints;

    public ErrorMappers() {
        this(LaunchMode.current() != LaunchMode.NORMAL);
    }

    ErrorMappers(boolean localSetupHints) {
        this.localSetupHints = localSetupHints;
    }

    /**
     * An error is JSON whatever the route produces: a stream's ({@code text/event-stream}) 401, 403 or 429 too, which
     * would otherwise be written as the stream's type.
     */
    @ServerResponseFilter
    public void errorsAreJson(ContainerResponseContext response) {
        if (response.getEntity() instanceof ApiError) {
            response.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
        }
    }

    @ServerExceptionMapper
    public RestResponse<ApiError> invalid(Upload.InvalidUploadException e) {
        return RestResponse.status(RestResponse.Status.BAD_REQUEST, new ApiError("bad_request", e.getMessage(), e.field()));
    }

    @ServerExceptionMapper
    public RestResponse<ApiError> unreadable(JsonProcessingException e) {
        return RestResponse.status(RestResponse.Status.BAD_REQUEST,
                ApiError.of("bad_request", "the body is not valid JSON"));
    }

    /** Replaces Quarkus' own mapper for this case, which would describe Java types. */
    @ServerExceptionMapper
    public RestResponse<ApiError> mismatched(MismatchedInputException e) {
        String field = e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
        return RestResponse.status(RestResponse.Status.BAD_REQUEST, new ApiError("bad_request",
                field == null ? "the body does not have the expected shape" : field + " has the wrong type", field));
    }

    /** No credentials, a key this service does not know or an access token it does not accept: 401 with the scheme. */
    @ServerExceptionMapper
    public RestResponse<ApiError> invalidStreamToken(StreamTokenAuthenticationMechanism.InvalidStreamTokenException e) {
        return RestResponse.ResponseBuilder.create(RestResponse.Status.UNAUTHORIZED, ApiError.of("unauthorized",
                "the stream token is invalid, expired or for another record: ask POST /media/{id}/events/token for "
                        + "a new one")).header("WWW-Authenticate", ApiKeyAuthenticationMechanism.CHALLENGE).build();
    }

    @ServerExceptionMapper({ AuthenticationFailedException.class, UnauthorizedException.class })
    public RestResponse<ApiError> unauthenticated(RuntimeException e) {
        return RestResponse.ResponseBuilder.create(RestResponse.Status.UNAUTHORIZED, ApiError.of("unauthorized",
                "an API key or an access token is required: Authorization: Bearer <key or token>"))
                .header("WWW-Authenticate", ApiKeyAuthenticationMechanism.CHALLENGE).build();
    }

    @ServerExceptionMapper
    public RestResponse<ApiError> forbidden(ForbiddenException e) {
        return RestResponse.status(RestResponse.Status.FORBIDDEN,
                ApiError.of("forbidden", "these credentials do not have the role this request needs"));
    }

    @ServerExceptionMapper
    public RestResponse<ApiError> rateLimited(ApiKeyAuthenticationMechanism.RateLimitedException e) {
        return RestResponse.ResponseBuilder.create(RestResponse.Status.TOO_MANY_REQUESTS,
                ApiError.of("rate_limited", "too many requests with these credentials; retry later"))
                .header("Retry-After", Long.toString(Math.max(1, e.retryAfterSeconds()))).build();
    }

    /** An owner at its cap of uploads in progress (MEDIA_API_MAX_IN_PROGRESS_PER_OWNER): nothing was stored. */
    @ServerExceptionMapper
    public RestResponse<ApiError> tooManyInProgress(InProgressCapException e) {
        return RestResponse.ResponseBuilder.create(RestResponse.Status.TOO_MANY_REQUESTS,
                ApiError.of("too_many_in_progress", e.getMessage()))
                .header("Retry-After", Long.toString(InProgressCapException.RETRY_AFTER_SECONDS)).build();
    }

    @ServerExceptionMapper
    public RestResponse<ApiError> notFound(NotFoundException e) {
        return RestResponse.status(RestResponse.Status.NOT_FOUND, ApiError.of("not_found", e.getMessage()));
    }

    @ServerExceptionMapper
    public RestResponse<ApiError> noOwner(Callers.NoOwnerException e) {
        return RestResponse.status(RestResponse.Status.FORBIDDEN, ApiError.of("forbidden", e.getMessage()));
    }

    @ServerExceptionMapper
    public RestResponse<ApiError> keyReused(IdempotentRequest.KeyReusedException e) {
        return RestResponse.ResponseBuilder.<ApiError> create(422).entity(ApiError.of("idempotency_key_reused", e.getMessage())).build();
    }

    @ServerExceptionMapper
    public RestResponse<ApiError> conflict(ConflictException e) {
        return RestResponse.status(RestResponse.Status.CONFLICT, ApiError.of("conflict", e.getMessage()));
    }

    /**
     * The upload's event could not be sent. In Inngest dev mode outside production, when the dev server could not be
     * reached, the answer says where it was expected and how to start it (the usual first run of {@code quarkus:dev}).
     */
    @ServerExceptionMapper
    public RestResponse<ApiError> notStarted(InngestClient.SendException e) {
        Log.warnf("An upload is stored but its event could not be sent: %s", e.getMessage());
        String message = e.unreachableDevServer().filter(devServer -> localSetupHints)
                .map(devServer -> "the upload is stored but processing could not be started: the Inngest dev server "
                        + "is not reachable at " + devServer + "; start it with `" + START_DEV_SERVER + "` (it finds "
                        + "this service's /api/inngest by itself). Processing is retried automatically, and repeating "
                        + "the request is safe")
                .orElse(NOT_STARTED);
        return RestResponse.status(RestResponse.Status.SERVICE_UNAVAILABLE, ApiError.of("unavailable", message));
    }

    @ServerExceptionMapper
    public RestResponse<ApiError> cancelNotSent(CancelNotSentException e) {
        Log.warnf("%s", e.getMessage());
        return RestResponse.status(RestResponse.Status.SERVICE_UNAVAILABLE, ApiError.of("unavailable",
                "the record is cancelled and gets no new Ittybit task, but its run could not be stopped yet; "
                        + "repeating the request is safe"));
    }

    @ServerExceptionMapper
    public RestResponse<ApiError> web(WebApplicationException e) {
        Response r = e.getResponse();
        String reason = r.getStatusInfo().getReasonPhrase();
        return RestResponse.status(Response.Status.fromStatusCode(r.getStatus()) == null
                ? RestResponse.Status.INTERNAL_SERVER_ERROR : RestResponse.Status.fromStatusCode(r.getStatus()),
                ApiError.of(reason == null ? "error" : reason.toLowerCase().replace(' ', '_'),
                        reason == null ? "request failed" : reason));
    }

    /** The body could not be read: the client went away or broke the stream (nobody may see this answer). */
    @ServerExceptionMapper
    public RestResponse<ApiError> unreadableBody(java.io.IOException e) {
        Log.debugf("A request body could not be read: %s", e.getMessage());
        return RestResponse.status(RestResponse.Status.BAD_REQUEST,
                ApiError.of("bad_request", "the request body could not be read"));
    }

    /** A stream past a cap that filled between {@link LiveStreamAccess}'s check and its start: the same answer. */
    @ServerExceptionMapper
    public RestResponse<ApiError> tooManyStreams(LiveMedia.TooManyStreamsException e) {
        return LiveStreamAccess.full(e);
    }

    @ServerExceptionMapper(priority = 10_000)
    public RestResponse<ApiError> unexpected(Throwable e) {
        if (DatabasePool.busy(e)) {
            // the database pool is saturated (a burst): a refusal the client may repeat, not a failure of ours
            Log.debugf("An API request was refused: the database pool is busy (%s)", e.getMessage());
            return RestResponse.ResponseBuilder.create(RestResponse.Status.SERVICE_UNAVAILABLE, ApiError.of(
                    "unavailable", "the service is busy; try again shortly")).header("Retry-After", "1").build();
        }
        Log.error("Unexpected failure of an API request", e);
        return RestResponse.status(RestResponse.Status.INTERNAL_SERVER_ERROR,
                ApiError.of("internal_error", "the request could not be completed"));
    }
}
