package io.mediafanout.media.service;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.Event;

/**
 * The media events, their one home: names, ids and builders. Every id is derived from the record and its round, so
 * whoever sends an event (the API, a run, the reconciler) and however often, Inngest keeps one.
 */
public final class MediaEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An upload to process: {@code {mediaId, sourceUrl, branches, options, resolved, round}} (see {@link #uploaded}). */
    public static final String UPLOADED = "video/uploaded";
    /** Sent when a record became ready: {@code {mediaId, status, hlsUrl, posterUrl, gifUrl, transcriptionUrl}}. */
    public static final String READY = "media/ready";
    /**
     * Sent when a run failed for good: {@code {mediaId, branch, code, reason}} ({@code branch} null when none failed,
     * {@code code} a {@link FailureCode}).
     */
    public static final String FAILED = "media/failed";
    /**
     * Sent when a record was cancelled ({@code DELETE /media/{id}}): {@code {mediaId, round}}. It cancels the record's
     * run ({@code cancelOn}) and triggers the {@code media.cancelled} callback.
     */
    public static final String CANCELLED = "media/cancelled";

    /**
     * The {@value #UPLOADED} of a record's round, with an id unique to that round, its branches and options
     * ({@code outputs}, the stored JSON; none for records stored before they were: the run uses the defaults). The
     * options are the record's, complete ({@code resolved: true}): the run takes them as they are, so an option the
     * upload removed ({@code null}) stays removed instead of coming back as this server's default.
     */
    public static Event uploaded(String mediaId, String sourceUrl, int round, String outputs) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("mediaId", mediaId).put("sourceUrl", sourceUrl);
        if (outputs != null) {
            try {
                JsonNode stored = JSON.readTree(outputs);
                ArrayNode names = data.putArray("branches");
                stored.fieldNames().forEachRemaining(names::add);
                data.set("options", stored);
                data.put("resolved", true);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("media " + mediaId + " has unreadable outputs", e);
            }
        }
        String eventId = "video-uploaded-" + mediaId;
        if (round > 0) {
            data.put("round", round);
            eventId += "-r" + round;
        }
        return Event.of(UPLOADED, data, eventId);
    }

    /** {@value #CANCELLED} for a record's round; one id per round, so repeating a cancel sends one event. */
    public static Event cancelled(String mediaId, int round) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("mediaId", mediaId).put("round", round);
        return Event.of(CANCELLED, data, "media-cancelled-" + mediaId + "-r" + round);
    }

    /** {@value #READY} for a ready record's round; its id makes a retried send one event. */
    public static Event ready(MediaView view) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("mediaId", view.id()).put("status", view.status());
        putOutputs(data, view.outputs()).put("round", view.round());
        return Event.of(READY, data, "media-ready-" + view.id() + "-r" + view.round());
    }

    /**
     * {@value #FAILED} for a record's failed round: one id per round, whether the run's failure handler or the
     * reconciler sends it. {@code reason} is the code's short message (details stay in the logs).
     */
    public static Event failed(String mediaId, int round, String branch, String code) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("mediaId", mediaId).put("branch", branch)
                .put("code", code).put("reason", FailureCode.of(code).message()).put("round", round);
        return Event.of(FAILED, data, "media-failed-" + mediaId + "-r" + round);
    }

    private MediaEvents() {
    }

    /** Each branch's {@link Branch#resultField()} with its URL (null when it made none), in branch order. */
    public static ObjectNode putOutputs(ObjectNode into, Map<Branch, String> outputs) {
        MediaView.results(outputs).forEach(into::put);
        return into;
    }
}
