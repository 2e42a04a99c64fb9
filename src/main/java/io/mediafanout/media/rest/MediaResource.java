package io.mediafanout.media.rest;

import java.net.URI;
import java.util.List;
import java.util.Optional;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.media.domain.Caller;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.domain.Outputs;
import io.mediafanout.media.domain.Upload;
import io.mediafanout.media.domain.Upload.InvalidUploadException;
import io.mediafanout.media.rest.auth.ApiKeys;
import io.mediafanout.media.rest.auth.Callers;
import io.mediafanout.media.rest.auth.StreamTokenAuthenticationMechanism;
import io.mediafanout.media.rest.auth.StreamTokens;
import io.mediafanout.media.service.MediaQueries;
import io.mediafanout.media.service.NotFoundException;
import io.mediafanout.media.service.OutputOptions;
import io.mediafanout.media.service.callbacks.CallbackService;
import io.mediafanout.media.service.callbacks.CallbackUrls;
import io.mediafanout.media.service.intake.IdempotentRequest;
import io.mediafanout.media.service.intake.MediaIntake;
import io.mediafanout.media.service.live.LiveMedia;
import io.mediafanout.media.service.pipeline.MediaRecords;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/** Uploads and media records. */
@Path("/media")
@SecurityScheme(securitySchemeName = "apiKey", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "Authorization: Bearer <credential>, where the credential is an API key of MEDIA_API_KEYS or, "
                + "where an identity provider is configured (OIDC), one of its access tokens (a JWT) with the "
                + "roles in its role claim")
@SecurityRequirement(name = "apiKey")
@APIResponse(responseCode = "401", description = "No credentials, an unknown API key or an invalid access token")
@APIResponse(responseCode = "403", description = "The key or token lacks the role this request needs (media:read to "
        + "read, media:write to upload, cancel and reprocess, media:admin for both on every owner's records)")
@APIResponse(responseCode = "429", description = "Too many requests with this key or token subject, or (uploads and "
        + "reprocess) the owner already has MEDIA_API_MAX_IN_PROGRESS_PER_OWNER records in processing "
        + "(too_many_in_progress) or MEDIA_API_RATE_LIMIT_BURST uploads waiting for their turn on this replica "
        + "(rate_limited); nothing is stored: see Retry-After")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "media", description = "Video uploads and what the pipeline made of them")
public class MediaResource {

    /** An upload: where the video is, and optionally the id to file it under, what to make and whom to tell. */
    public record UploadRequest(
            @Schema(description = "http(s) URL Ittybit can download the video from", required = true) String sourceUrl,
            @Schema(description = "id of the media record (letters, digits, '.', '_', '-'; not 'events'); generated when absent") String mediaId,
            // branches and options are described from the Branch table (OpenApiBranches)
            @Schema(implementation = String[].class) JsonNode branches,
            @Schema(implementation = Object.class) JsonNode options,
            @Schema(description = "https URL that receives the media.ready, media.failed and media.cancelled "
                    + "callbacks (signed: see the README)") String callbackUrl) {
    }

    /** A page of records, newest first. */
    public record MediaPage(List<MediaResponse> items, int limit) {
    }

    /** A stream's 429: the caller's rate, or its streams on one replica (no stream starts either way). */
    static final String STREAMS_429 = "Too many requests with this key or token subject, or the owner already has "
            + "MEDIA_LIVE_MAX_STREAMS_PER_OWNER streams open on this replica (too_many_streams); no stream starts: see "
            + "Retry-After";

    static final String UPLOAD_EXAMPLE = "{\"sourceUrl\": \"https://uploads.example/vid_1.mp4\", \"mediaId\": \"vid_1\", "
            + "\"branches\": [\"hls-package\", \"poster-image\"], \"options\": {\"poster-image\": {\"time\": 5, "
            + "\"format\": \"jpeg\"}}, \"callbackUrl\": \"https://app.example/hooks/media\"}";
    static final String IDEMPOTENCY_KEY_DOC = "Optional, 1-255 printable ASCII characters (a UUID): the same key "
            + "and request within 24 hours gets the first request's record and status (with Idempotent-Replayed: "
            + "true) and starts nothing more; the same key with another request is a 422. Keys are per caller.";
    /** The 200 answer of the two streams, as {@code text/event-stream}. */
    static final String EVENT_STREAM_DOC = "A text/event-stream: each message has `event: media`, `id:` the record's "
            + "version and `data:` the record as JSON (a MediaResponse, as GET /media/{id} returns it); comment lines "
            + "(`: keep-alive`) keep the connection open";
    /** Where a client resuming a record's stream names the last message it has: the header, else the query. */
    static final String LAST_EVENT_ID_HEADER = "Last-Event-ID";
    static final String LAST_EVENT_ID_PARAMETER = "lastEventId";
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;

    /** Set on an answer repeated for an {@code Idempotency-Key} (as Stripe does). */
    static final String REPLAYED_HEADER = "Idempotent-Replayed";

    private final MediaIntake intake;
    private final MediaRecords records;
    private final MediaQueries queries;
    private final OutputOptions options;
    private final CallbackUrls callbackUrls;
    private final CallbackService callbacks;
    private final SecurityIdentity identity;
    private final Callers callers;
    private final LiveMedia live;
    private final StreamTokens streamTokens;
    private final com.fasterxml.jackson.databind.ObjectMapper json;

    public MediaResource(MediaIntake intake, MediaRecords records, MediaQueries queries, OutputOptions options, CallbackUrls callbackUrls,
            CallbackService callbacks, SecurityIdentity identity, Callers callers, LiveMedia live,
            StreamTokens streamTokens, com.fasterxml.jackson.databind.ObjectMapper json) {
        this.streamTokens = streamTokens;
        this.json = json;
        this.live = live;
        this.identity = identity;
        this.callers = callers;
        this.intake = intake;
        this.records = records;
        this.queries = queries;
        this.options = options;
        this.callbackUrls = callbackUrls;
        this.callbacks = callbacks;
    }

    @POST
    @RolesAllowed({ ApiKeys.WRITE, ApiKeys.ADMIN })
    @Operation(operationId = "uploadMedia",
            summary = "Process a video", description = "Stores the record (status processing), owned by the "
            + "caller, and starts the pipeline. Repeating the request with the same mediaId, or with the same "
            + "Idempotency-Key, returns the same record and starts no second run.")
    @APIResponse(responseCode = "200", description = "The record is already ready or failed: returned as it is, "
            + "nothing starts (see reprocess)", content = @Content(schema = @Schema(implementation = MediaResponse.class)))
    @APIResponse(responseCode = "202", description = "Accepted: see Location for progress",
            content = @Content(schema = @Schema(implementation = MediaResponse.class)))
    @APIResponse(responseCode = "400", description = "Invalid input; `errors` names each wrong field")
    @APIResponse(responseCode = "409", description = "mediaId already used for another sourceUrl, other outputs or "
            + "another callbackUrl, or taken by another owner")
    @APIResponse(responseCode = "422", description = "This Idempotency-Key was used for another request in the last 24 hours")
    @APIResponse(responseCode = "503", description = "Stored, but processing could not be started yet: the reconciler retries it within minutes, and repeating the request is safe")
    public Uni<RestResponse<MediaResponse>> upload(
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = UploadRequest.class), examples = @ExampleObject(name = "upload",
                            summary = "An HLS package and a JPEG poster at 5 s, with a callback", value = UPLOAD_EXAMPLE)))
            UploadRequest request, UriInfo uri,
            @Parameter(description = IDEMPOTENCY_KEY_DOC) @HeaderParam(IdempotentRequest.HEADER) String idempotencyKey) {
        if (request == null) {
            throw new InvalidUploadException("sourceUrl", "a JSON body with sourceUrl is required");
        }
        Upload.validateSourceUrl(request.sourceUrl(), "sourceUrl");
        Optional<String> mediaId = Optional.ofNullable(request.mediaId());
        mediaId.ifPresent(id -> {
            Upload.validateMediaId(id, "mediaId");
            MDC.put("mediaId", id);
        });
        Outputs outputs = options.resolve(request.branches(), request.options(), "");
        Caller caller = callers.of(identity);
        Optional<IdempotentRequest> idempotency = IdempotentRequest.of(idempotencyKey, "upload", request.sourceUrl(),
                request.mediaId(), outputs.toJson().toString(), request.callbackUrl());
        if (request.callbackUrl() == null) {
            return start(new MediaIntake.UploadOrder(caller, request.sourceUrl(), mediaId, outputs, Optional.empty(),
                    idempotency), uri);
        }
        if (!callbacks.enabled()) {
            throw new InvalidUploadException("callbackUrl", "this service sends no callbacks (MEDIA_CALLBACKS_SECRET "
                    + "is not set)");
        }
        URI callback = callbackUrls.parse(request.callbackUrl(), "callbackUrl");
        return callbackUrls.resolve(callback, "callbackUrl").chain(checked -> start(new MediaIntake.UploadOrder(
                caller, request.sourceUrl(), mediaId, outputs, Optional.of(request.callbackUrl()), idempotency), uri));
    }

    private Uni<RestResponse<MediaResponse>> start(MediaIntake.UploadOrder order, UriInfo uri) {
        return intake.upload(order).map(accepted -> answer(accepted, uri));
    }

    @DELETE
    @RolesAllowed({ ApiKeys.WRITE, ApiKeys.ADMIN })
    @Path("/{id}")
    @Consumes(MediaType.WILDCARD)
    @Operation(operationId = "cancelMedia",
            summary = "Cancel the processing of a video", description = "Stops the record's run (media/cancelled): "
            + "no new Ittybit task is created, tasks already running end on their own (Ittybit cannot cancel them), "
            + "and the record becomes cancelled, keeping the outputs already made. Repeating it is safe.")
    @APIResponse(responseCode = "200", description = "Cancelled (now or before)",
            content = @Content(schema = @Schema(implementation = MediaResponse.class)))
    @APIResponse(responseCode = "404", description = "No such record")
    @APIResponse(responseCode = "409", description = "The record is already ready or failed")
    @APIResponse(responseCode = "503", description = "Cancelled, but the run could not be stopped yet: repeat the request")
    public Uni<MediaResponse> cancel(@PathParam("id") String id) {
        if (!Upload.MEDIA_ID.matcher(id).matches()) {
            throw new NotFoundException("no media record with this id");
        }
        MDC.put("mediaId", id);
        return records.cancel(id, callers.of(identity)).map(MediaResponse::of);
    }

    @POST
    @RolesAllowed({ ApiKeys.WRITE, ApiKeys.ADMIN })
    @Path("/{id}/reprocess")
    @Consumes(MediaType.WILDCARD)
    @Operation(operationId = "reprocessMedia",
            summary = "Process a video again", description = "Starts a new run of a ready, failed or cancelled record, with "
            + "new Ittybit tasks; the record is processing until the run ends.")
    @APIResponse(responseCode = "202", description = "Started: see Location for progress",
            content = @Content(schema = @Schema(implementation = MediaResponse.class)))
    @APIResponse(responseCode = "404", description = "No such record")
    @APIResponse(responseCode = "409", description = "The record is still processing")
    @APIResponse(responseCode = "422", description = "This Idempotency-Key was used for another request in the last 24 hours")
    public Uni<RestResponse<MediaResponse>> reprocess(@PathParam("id") String id, UriInfo uri,
            @Parameter(description = IDEMPOTENCY_KEY_DOC) @HeaderParam(IdempotentRequest.HEADER) String idempotencyKey) {
        if (!Upload.MEDIA_ID.matcher(id).matches()) {
            throw new NotFoundException("no media record with this id");
        }
        MDC.put("mediaId", id);
        Optional<IdempotentRequest> idempotency = IdempotentRequest.of(idempotencyKey, "reprocess", id);
        return intake.reprocess(id, callers.of(identity), idempotency).map(accepted -> answer(accepted, uri));
    }

    /** 202 with the record's Location when a run was started, 200 with the record when it was already done. */
    private static RestResponse<MediaResponse> answer(MediaIntake.Accepted accepted, UriInfo uri) {
        MediaResponse body = MediaResponse.of(accepted.details());
        RestResponse.ResponseBuilder<MediaResponse> answer = accepted.started()
                ? RestResponse.ResponseBuilder.create(RestResponse.Status.ACCEPTED, body)
                        .location(uri.getBaseUriBuilder().path("media").path(body.id()).build())
                : RestResponse.ResponseBuilder.ok(body);
        if (accepted.replayed()) {
            answer.header(REPLAYED_HEADER, "true");
        }
        return answer.build();
    }

    @GET
    @RolesAllowed({ ApiKeys.READ, ApiKeys.ADMIN })
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(operationId = "watchMedia",
            summary = "The record's changes as they happen (server-sent events)", description = "First the record "
            + "as GET /media/{id} shows it now, then one message per change: event media, id the record's version, "
            + "data the record at that version. The stream ends after a terminal state (ready, failed, cancelled). "
            + "Resume with Last-Event-ID (or ?lastEventId=): the current state comes at once if it changed since; a "
            + "slow reader may skip intermediate versions, never the last. A comment line every 15 s keeps it open. "
            + "Resumed at a terminal state already sent: 204 No Content, which tells an EventSource to stop "
            + "reconnecting.")
    @APIResponse(responseCode = "200", description = EVENT_STREAM_DOC, content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
            schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "204", description = "Resumed (Last-Event-ID) at the record's terminal state: nothing "
            + "more will come; an EventSource stops reconnecting")
    @APIResponse(responseCode = "404", description = "No such record (or another owner's); no stream starts")
    @APIResponse(responseCode = "429", description = STREAMS_429)
    @APIResponse(responseCode = "503", description = "This replica has its most streams open: see Retry-After")
    @Parameter(name = StreamTokenAuthenticationMechanism.PARAMETER, in = ParameterIn.QUERY,
            schema = @Schema(type = SchemaType.STRING), description = "A stream "
            + "token of this record (POST /media/{id}/events/token), in place of the Authorization header (a "
            + "browser's EventSource cannot send one)")
    @APIResponse(responseCode = "401", description = "No credentials, or a stream token that is invalid, expired or for "
            + "another record")
    public Multi<OutboundSseEvent> events(@PathParam("id") String id,
            @Parameter(description = "The last message id the client has: resume after it") @HeaderParam(LAST_EVENT_ID_HEADER) String lastEventId,
            @Parameter(description = "Last-Event-ID, for clients that cannot set headers") @QueryParam(LAST_EVENT_ID_PARAMETER) String lastEventIdQuery,
            @Context Sse sse, @Context RoutingContext request) {
        long lastSeen = lastSeen(lastEventId, lastEventIdQuery);
        // LiveStreamAccess has shown the record exists and is the caller's (a 404 otherwise, before the stream)
        return live.watch(id, placeFor(request), lastSeen).map(message -> event(message, sse));
    }

    /**
     * The caller's place for one more stream on this pod, taken before the stream's status line is written: past a
     * cap, {@link LiveMedia.TooManyStreamsException} is the answer (a 429 or 503, {@link ErrorMappers}), also for
     * streams that passed {@link LiveStreamAccess}'s check together. Given back when the request ends unless a
     * stream holds it.
     */
    private LiveMedia.Place placeFor(RoutingContext request) {
        LiveMedia.Place place = live.takePlace(callers.of(identity));
        request.addEndHandler(ended -> place.giveBackUnlessStreaming());
        return place;
    }

    /**
     * The version a resuming client has seen: the {@code Last-Event-ID} header, else the query parameter (clients that
     * cannot set headers); read by {@link #events} and, before it, by {@link LiveStreamAccess}'s 204.
     */
    static long lastSeen(String header, String query) {
        return LiveMedia.lastSeen(header != null ? header : query);
    }

    /** A stream token: the URL that opens the record's stream with it, the token alone, and when it expires. */
    public record StreamTokenResponse(
            @Schema(description = "GET /media/{id}/events?token=…: open it with EventSource or curl -N, no "
                    + "Authorization header") String url,
            @Schema(description = "The token alone, for the token query parameter") String token,
            @Schema(description = "After this instant the token opens no stream (a stream open by then runs on)")
            java.time.Instant expiresAt) {
    }

    @POST
    @RolesAllowed({ ApiKeys.READ, ApiKeys.ADMIN })
    @Path("/{id}/events/token")
    @Consumes(MediaType.WILDCARD)
    @Operation(operationId = "createStreamToken",
            summary = "A short-lived URL of the record's stream, for browsers", description = "EventSource cannot "
            + "send an Authorization header: this returns a URL of GET /media/{id}/events with a signed token, which "
            + "opens that record's stream, read-only, as the caller, until it expires (MEDIA_LIVE_TOKEN_TTL, 5 "
            + "minutes by default), on any replica. It opens nothing else. Ask for it from your server and hand the "
            + "URL to the page; a page reconnecting after it expired asks for a new one.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = StreamTokenResponse.class)))
    @APIResponse(responseCode = "404", description = "No such record (or another owner's)")
    public Uni<RestResponse<StreamTokenResponse>> streamToken(@PathParam("id") String id, UriInfo uri) {
        if (!Upload.MEDIA_ID.matcher(id).matches()) {
            throw new NotFoundException("no media record with this id");
        }
        Caller caller = callers.of(identity);
        return queries.details(id, caller).map(details -> {
            if (details == null) {
                throw new NotFoundException("no media record " + id);
            }
            StreamTokens.Issued issued = streamTokens.issue(id, caller);
            URI url = uri.getBaseUriBuilder().path("media").path(id).path("events")
                    .queryParam(StreamTokenAuthenticationMechanism.PARAMETER, issued.token()).build();
            // a credential: not for caches
            return RestResponse.ResponseBuilder.ok(new StreamTokenResponse(url.toString(), issued.token(),
                    issued.expiresAt())).header("Cache-Control", "no-store").build();
        });
    }

    @GET
    @RolesAllowed({ ApiKeys.READ, ApiKeys.ADMIN })
    @Path("/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(operationId = "watchAllMedia",
            summary = "The changes of all the caller's records as they happen (server-sent events)",
            description = "One message per change of any of the caller's records (every record for media:admin), "
                    + "optionally only those in one status: event media, id the record's version, data the record. "
                    + "When the replica's notices from the database were lost and are back, every record changed "
                    + "meanwhile comes. It ends only where it would fall 256 changes behind (a reader that slow, or more "
                    + "records changed while the notices were lost). It starts with the changes from now on (no "
                    + "resume: after it ended, read what was missed with GET /media).")
    @APIResponse(responseCode = "200", description = EVENT_STREAM_DOC, content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
            schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "400", description = "An unknown status")
    @APIResponse(responseCode = "429", description = STREAMS_429)
    @APIResponse(responseCode = "503", description = "This replica has its most streams open: see Retry-After")
    public Multi<OutboundSseEvent> allEvents(
            @Parameter(description = "Only records in this status", schema = @Schema(implementation = MediaStatus.class))
            @QueryParam("status") String status,
            @Context Sse sse, @Context RoutingContext request) {
        // checked before the stream started (LiveStreamAccess): a status named here is one of MediaStatus
        Optional<MediaStatus> only = Optional.ofNullable(status).flatMap(MediaStatus::of);
        return live.watchAll(callers.of(identity), placeFor(request), only).map(message -> event(message, sse));
    }

    /** A state as {@code event: media}, its version as the id; a heartbeat as a comment line. */
    private OutboundSseEvent event(LiveMedia.Message message, Sse sse) {
        return message instanceof LiveMedia.Change change
                ? sse.newEventBuilder().name("media").id(Long.toString(change.version()))
                        .data(String.class, change.rendered(this::json)).build()
                : sse.newEventBuilder().comment("keep-alive").build();
    }

    /** The record as {@code GET /media/{id}} writes it (the same mapper), once per change for all its streams. */
    private String json(MediaQueries.Details details) {
        try {
            return json.writeValueAsString(MediaResponse.of(details));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a media record could not be written as JSON", e);
        }
    }

    @GET
    @RolesAllowed({ ApiKeys.READ, ApiKeys.ADMIN })
    @Path("/{id}")
    @Operation(operationId = "getMedia",
            summary = "A media record, with the progress of each branch")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = MediaResponse.class)))
    @APIResponse(responseCode = "404", description = "No such record (or another owner's)")
    public Uni<MediaResponse> get(@PathParam("id") String id) {
        if (!Upload.MEDIA_ID.matcher(id).matches()) {
            // no record can have this id: answer without asking the database
            throw new NotFoundException("no media record with this id");
        }
        return queries.details(id, callers.of(identity)).map(details -> {
            if (details == null) {
                throw new NotFoundException("no media record " + id);
            }
            return MediaResponse.of(details);
        });
    }

    @GET
    @RolesAllowed({ ApiKeys.READ, ApiKeys.ADMIN })
    @Operation(operationId = "listMedia",
            summary = "Records, newest first", description = "The caller's own records; every record for media:admin")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = MediaPage.class)))
    @APIResponse(responseCode = "400", description = "Invalid status or limit")
    public Uni<MediaPage> list(
            @Parameter(description = "Only records in this status", schema = @Schema(implementation = MediaStatus.class))
            @QueryParam("status") String status,
            @Parameter(description = "How many records, at most", schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "" + MAX_LIMIT, defaultValue = "" + DEFAULT_LIMIT)) @QueryParam("limit") String limit) {
        MediaStatus filter = status == null ? null : MediaStatus.of(status).orElseThrow(() -> new InvalidUploadException(
                "status", "status must be one of " + MediaStatus.all()));
        int size = parseLimit(limit);
        return queries.page(filter, size, callers.of(identity)).map(page -> new MediaPage(page.stream().map(MediaResponse::of).toList(), size));
    }

    private static int parseLimit(String limit) {
        if (limit == null || limit.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int value = Integer.parseInt(limit.trim());
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidUploadException("limit", "limit must be an integer from 1 to " + MAX_LIMIT);
    }
}
