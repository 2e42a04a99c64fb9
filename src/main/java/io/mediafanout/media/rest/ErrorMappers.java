package io.mediafanout.media.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import com.fasterxml.jackson.core.JsonLocation;
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
import io.mediafanout.media.service.intake.OwnerBusyException;
import io.mediafanout.media.service.live.LiveMedia;
import io.quarkus.logging.Log;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/**
 * Every error of the media API is a problem ({@link Problem}, RFC 9457) with a clear message; no stack trace or class
 * name reaches a client. {@code /api/inngest} is not served here: it answers in the Inngest protocol's own shapes.
 */
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
     * Every error leaves as {@code application/problem+json}, whatever the route produces (a stream's
     * {@code text/event-stream} 401, 404 or 429 too), with the request's path as its {@code instance}.
     */
    @ServerResponseFilter
    public void problemsAreProblemJson(ContainerRequestContext request, ContainerResponseContext response) {
        if (response.getEntity() instanceof Problem problem) {
            if (problem.instance() == null) {
                response.setEntity(problem.at(request.getUriInfo().getRequestUri().getRawPath()));
            }
            response.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
        }
    }

    @ServerExceptionMapper
    public RestResponse<Problem> invalid(Upload.InvalidUploadException e) {
        return Problem.invalid(e.field(), e.getMessage()).response();
    }

    /** JSON that does not parse, where it broke: Quarkus REST wraps the parser's error (see {@link #web}). */
    @ServerExceptionMapper
    public RestResponse<Problem> unreadable(JsonProcessingException e) {
        return notJson(e).response();
    }

    private static Problem notJson(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        return Problem.of(ProblemType.BAD_REQUEST, at == null || at.getLineNr() < 1 ? "the body is not valid JSON"
                : "the body is not valid JSON: it breaks at line " + at.getLineNr() + ", column " + at.getColumnNr());
    }

    /** Valid JSON of the wrong shape: which field (its path, e.g. options.poster-image.time) has the wrong type. */
    @ServerExceptionMapper
    public RestResponse<Problem> mismatched(MismatchedInputException e) {
        String field = e.getPath().stream()
                .map(step -> step.getFieldName() != null ? step.getFieldName() : "[" + step.getIndex() + "]")
                .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse(null);
        return field == null ? Problem.of(ProblemType.BAD_REQUEST, "the body must be a JSON object").response()
                : Problem.invalid(field, field + " has the wrong type").response();
    }

    @ServerExceptionMapper
    public RestResponse<Problem> invalidStreamToken(StreamTokenAuthenticationMechanism.InvalidStreamTokenException e) {
        return Problem.of(ProblemType.UNAUTHORIZED, "the stream token is invalid, expired or for another record: ask "
                + "POST /media/{id}/events/token for a new one")
                .response("WWW-Authenticate", ApiKeyAuthenticationMechanism.CHALLENGE);
    }

    /** No credentials, a key this service does not know or an access token it does not accept: 401 with the scheme. */
    @ServerExceptionMapper({ AuthenticationFailedException.class, UnauthorizedException.class })
    public RestResponse<Problem> unauthenticated(RuntimeException e) {
        return Problem.of(ProblemType.UNAUTHORIZED, "an API key or an access token is required: Authorization: "
                + "Bearer <key or token>").response("WWW-Authenticate", ApiKeyAuthenticationMechanism.CHALLENGE);
    }

    @ServerExceptionMapper
    public RestResponse<Problem> forbidden(ForbiddenException e) {
        return Problem.of(ProblemType.FORBIDDEN, "these credentials do not have the role this request needs")
                .response();
    }

    @ServerExceptionMapper
    public RestResponse<Problem> rateLimited(ApiKeyAuthenticationMechanism.RateLimitedException e) {
        return Problem.of(ProblemType.RATE_LIMITED, "too many requests with these credentials; retry later")
                .response("Retry-After", Long.toString(Math.max(1, e.retryAfterSeconds())));
    }

    /** An owner at its cap of uploads in progress (MEDIA_API_MAX_IN_PROGRESS_PER_OWNER): nothing was stored. */
    @ServerExceptionMapper
    public RestResponse<Problem> tooManyInProgress(InProgressCapException e) {
        return Problem.of(ProblemType.TOO_MANY_IN_PROGRESS, e.getMessage())
                .response("Retry-After", Long.toString(InProgressCapException.RETRY_AFTER_SECONDS));
    }

    /** Too many of one owner's uploads wait for their turn on this replica: nothing was stored. */
    @ServerExceptionMapper
    public RestResponse<Problem> ownerBusy(OwnerBusyException e) {
        return Problem.of(ProblemType.RATE_LIMITED, e.getMessage())
                .response("Retry-After", Long.toString(OwnerBusyException.RETRY_AFTER_SECONDS));
    }

    @ServerExceptionMapper
    public RestResponse<Problem> notFound(NotFoundException e) {
        return Problem.of(ProblemType.NOT_FOUND, e.getMessage()).response();
    }

    @ServerExceptionMapper
    public RestResponse<Problem> noOwner(Callers.NoOwnerException e) {
        return Problem.of(ProblemType.FORBIDDEN, e.getMessage()).response();
    }

    @ServerExceptionMapper
    public RestResponse<Problem> keyReused(IdempotentRequest.KeyReusedException e) {
        return Problem.of(ProblemType.IDEMPOTENCY_KEY_REUSED, e.getMessage()).response();
    }

    @ServerExceptionMapper
    public RestResponse<Problem> conflict(ConflictException e) {
        return Problem.of(ProblemType.CONFLICT, e.getMessage()).response();
    }

    /**
     * The upload's event could not be sent. In Inngest dev mode outside production, when the dev server could not be
     * reached, the answer says where it was expected and how to start it (the usual first run of {@code quarkus:dev}).
     */
    @ServerExceptionMapper
    public RestResponse<Problem> notStarted(InngestClient.SendException e) {
        Log.warnf("An upload is stored but its event could not be sent: %s", e.getMessage());
        String message = e.unreachableDevServer().filter(devServer -> localSetupHints)
                .map(devServer -> "the upload is stored but processing could not be started: the Inngest dev server "
                        + "is not reachable at " + devServer + "; start it with `" + START_DEV_SERVER + "` (it finds "
                        + "this service's /api/inngest by itself). Processing is retried automatically, and repeating "
                        + "the request is safe")
                .orElse(NOT_STARTED);
        return Problem.of(ProblemType.UNAVAILABLE, message).response();
    }

    @ServerExceptionMapper
    public RestResponse<Problem> cancelNotSent(CancelNotSentException e) {
        Log.warnf("%s", e.getMessage());
        return Problem.of(ProblemType.UNAVAILABLE, "the record is cancelled and gets no new Ittybit task, but its run "
                + "could not be stopped yet; repeating the request is safe").response();
    }

    /**
     * Quarkus REST's own refusals (no such path, a method or media type the route does not take) and a body that does
     * not parse, which it wraps with the parser's error as the cause.
     */
    @ServerExceptionMapper
    public RestResponse<Problem> web(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException notJson) {
            return notJson(notJson).response();
        }
        int status = e.getResponse().getStatus();
        ProblemType kind = ProblemType.forStatus(status);
        String reason = e.getResponse().getStatusInfo().getReasonPhrase();
        return Problem.of(kind, reason == null ? kind.title() : reason).withStatus(status).response();
    }

    /** The body could not be read: the client went away or broke the stream (nobody may see this answer). */
    @ServerExceptionMapper
    public RestResponse<Problem> unreadableBody(java.io.IOException e) {
        Log.debugf("A request body could not be read: %s", e.getMessage());
        return Problem.of(ProblemType.BAD_REQUEST, "the request body could not be read").response();
    }

    /**
     * A stream past a cap ({@link MediaResource}'s place for it, taken before the stream starts, for streams that
     * passed {@link LiveStreamAccess}'s check together), or a lookup refused by a pod with too many records to read:
     * the same answer as that check's.
     */
    @ServerExceptionMapper
    public RestResponse<Problem> tooManyStreams(LiveMedia.TooManyStreamsException e) {
        return LiveStreamAccess.full(e);
    }

    @ServerExceptionMapper(priority = 10_000)
    public RestResponse<Problem> unexpected(Throwable e) {
        if (DatabasePool.busy(e)) {
            // the database pool is saturated (a burst): a refusal the client may repeat, not a failure of ours
            Log.debugf("An API request was refused: the database pool is busy (%s)", e.getMessage());
            return Problem.of(ProblemType.UNAVAILABLE, "the service is busy; try again shortly")
                    .response("Retry-After", "1");
        }
        Log.error("Unexpected failure of an API request", e);
        return Problem.of(ProblemType.INTERNAL_ERROR, "the request could not be completed").response();
    }
}
