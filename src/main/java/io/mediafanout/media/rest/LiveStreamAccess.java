package io.mediafanout.media.rest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.mediafanout.media.domain.Caller;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.domain.Upload;
import io.mediafanout.media.rest.auth.ApiKeys;
import io.mediafanout.media.rest.auth.Callers;
import io.mediafanout.media.service.live.LiveMedia;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;

/**
 * A stream of a record's changes ({@link MediaResource#events}) starts only for a record the caller may see: the
 * check runs here, before the resource method, because a server-sent event stream's status line is written when the
 * stream starts. Another owner's record is a {@code 404}, as for {@code GET /media/{id}}; past the pod's cap of
 * streams a {@code 503}, past the owner's a {@code 429}, both with {@code Retry-After}, before the record is read.
 * The record is looked up in live progress' own batched reads ({@link LiveMedia#lookup}): a thousand streams opening
 * at once on a few records cost a few reads. A client resuming ({@code Last-Event-ID}) at a terminal state it was
 * sent gets {@code 204 No Content}: a stream would end empty, and an {@code EventSource} reconnects to every stream
 * that ends, but stops at a {@code 204}.
 */
@ApplicationScoped
public class LiveStreamAccess {

    private final Callers callers;
    private final CurrentIdentityAssociation identities;
    private final LiveMedia live;

    public LiveStreamAccess(Callers callers, CurrentIdentityAssociation identities, LiveMedia live) {
        this.live = live;
        this.callers = callers;
        this.identities = identities;
    }

    @ServerRequestFilter
    public Uni<RestResponse<Problem>> onlyAVisibleRecordIsStreamed(ContainerRequestContext request,
            SimpleResourceInfo resource) {
        if (resource.getResourceClass() != MediaResource.class
                || !(resource.getMethodName().equals("events") || resource.getMethodName().equals("allEvents"))) {
            return Uni.createFrom().nullItem();
        }
        if (resource.getMethodName().equals("allEvents")) {
            String status = request.getUriInfo().getQueryParameters().getFirst("status");
            if (status != null && MediaStatus.of(status).isEmpty()) {
                return Uni.createFrom().item(Problem.invalid("status", "status must be one of " + MediaStatus.all())
                        .response());
            }
            return identities.getDeferredIdentity().chain(identity -> !identity.hasRole(ApiKeys.READ)
                    && !identity.hasRole(ApiKeys.ADMIN) ? Uni.createFrom().nullItem()
                            : Uni.createFrom().item(live.noRoomFor(callers.of(identity)).map(LiveStreamAccess::full)
                                    .orElse(null)));
        }
        String id = request.getUriInfo().getPathParameters().getFirst("id");
        if (id == null || !Upload.MEDIA_ID.matcher(id).matches()) {
            return Uni.createFrom().item(notFound());
        }
        return identities.getDeferredIdentity()
                // without a role that may read, the security checks answer (401, 403): nothing is looked up
                .chain(identity -> !identity.hasRole(ApiKeys.READ) && !identity.hasRole(ApiKeys.ADMIN)
                        ? Uni.createFrom().nullItem()
                        : refused(callers.of(identity), id, MediaResource.lastSeen(
                                request.getHeaderString(MediaResource.LAST_EVENT_ID_HEADER), request.getUriInfo()
                                        .getQueryParameters().getFirst(MediaResource.LAST_EVENT_ID_PARAMETER))));
    }

    /**
     * Past a cap, the answer; a 404 when the record is not the caller's to see; a 204 when the client has its final
     * state; else null (the stream starts).
     */
    private Uni<RestResponse<Problem>> refused(Caller caller, String id, long lastSeen) {
        return live.noRoomFor(caller).map(full -> Uni.createFrom().item(full(full)))
                .orElseGet(() -> live.lookup(id).map(details -> {
                    if (details == null || !caller.mayAccess(details.media().getOwner())) {
                        return notFound();
                    }
                    return LiveMedia.seenToTheEnd(details, lastSeen) ? RestResponse.noContent() : null;
                }));
    }

    static RestResponse<Problem> full(LiveMedia.TooManyStreamsException full) {
        return Problem.of(full.perOwner() ? ProblemType.TOO_MANY_STREAMS : ProblemType.UNAVAILABLE, full.getMessage())
                .response("Retry-After", "5");
    }


    private static RestResponse<Problem> notFound() {
        // a problem, as every error of the API (the method itself produces text/event-stream)
        return Problem.of(ProblemType.NOT_FOUND, "no media record with this id").response();
    }
}
