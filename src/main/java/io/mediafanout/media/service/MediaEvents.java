package io.mediafanout.media.service;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.Event;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.FailureCode;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.domain.Outputs;
import io.mediafanout.media.domain.Upload;
import io.mediafanout.media.domain.Upload.InvalidUploadException;

/**
 * The media events, their one home: names, ids and builders. Every id is derived from the record and its round, so
 * whoever sends an event (the API, a run, the reconciler) and however often, Inngest keeps one.
 */
public final class MediaEvents {

    /**
     * An upload to process. Sent by our API as {@code {mediaId, sourceUrl, round, owner, branches, outputs}} (see
     * {@link #uploaded}); another app sends {@code {mediaId, sourceUrl, branches?, options?}} (read by
     * {@link #upload}).
     */
    public static final String UPLOADED = "video/uploaded";
    /** A task's webhook, as an event: {@code {key, taskId, status}}; it ends the wait of the branch that made the task. */
    public static final String TASK_ENDED = "ittybit/task.ended";
    /**
     * Sent when a record became ready: {@code {mediaId, status, hlsUrl, posterUrl, gifUrl, transcriptionUrl, round,
     * owner}}.
     */
    public static final String READY = "media/ready";
    /**
     * Sent when a run failed for good: {@code {mediaId, branch, code, reason, round, owner}} ({@code branch} null when
     * none failed, {@code code} a {@link FailureCode}).
     */
    public static final String FAILED = "media/failed";
    /**
     * Sent when a record was cancelled ({@code DELETE /media/{id}}): {@code {mediaId, round, owner}}. It cancels the
     * record's
     * run ({@code cancelOn}) and triggers the {@code media.cancelled} callback.
     */
    public static final String CANCELLED = "media/cancelled";

    /** The owner's field as Inngest's flow control reads it: the key of every per-owner limit. */
    public static final String OWNER_KEY = "event.data.owner";

    /** The record status each media event announces, in the order of the callbacks' triggers. */
    public static final Map<String, MediaStatus> ANNOUNCED = announced();

    private static Map<String, MediaStatus> announced() {
        Map<String, MediaStatus> announced = new LinkedHashMap<>();
        announced.put(READY, MediaStatus.READY);
        announced.put(FAILED, MediaStatus.FAILED);
        announced.put(CANCELLED, MediaStatus.CANCELLED);
        return Collections.unmodifiableMap(announced);
    }

    /**
     * The {@value #UPLOADED} of a record's round, with an id unique to that round, carrying the record's outputs as
     * stored ({@code outputs}: its branches and complete options, and the list of {@code branches} for the event's
     * readers; neither for records stored before uploads chose them, whose run takes the defaults). The run reads
     * them as they are: an option the upload removed ({@code null}) stays removed instead of coming back as this
     * server's default, and nothing is checked again.
     */
    public static Event uploaded(String mediaId, String sourceUrl, int round, Outputs outputs, String owner) {
        ObjectNode data = owned(JsonNodeFactory.instance.objectNode().put("mediaId", mediaId)
                .put("sourceUrl", sourceUrl), owner);
        if (outputs != null) {
            // branches: for the event's readers (the Inngest dashboard, other apps); the run reads outputs
            ArrayNode branches = data.putArray("branches");
            outputs.branches().forEach(branch -> branches.add(branch.id()));
            data.set("outputs", outputs.toJson());
        }
        String eventId = "video-uploaded-" + mediaId;
        if (round > 0) {
            data.put("round", round);
            eventId += "-r" + round;
        }
        return Event.of(UPLOADED, data, eventId);
    }

    /**
     * What a {@value #UPLOADED} event asks for. The event our API sent carries stored data ({@code outputs}), read as
     * it is; an event from another app ({@code branches} and {@code options} as {@code POST /media} takes them, the
     * defaults when absent) is validated here, where its run starts, with the API's rules
     * ({@link InvalidUploadException} naming the field). Events of versions before {@code outputs} carried the same
     * stored options as {@code options} with {@code resolved: true}; runs of those may still be going on.
     */
    public static Upload upload(JsonNode data, OutputOptions options) {
        JsonNode stored = data.has("outputs") ? data.get("outputs")
                : data.path("resolved").asBoolean(false) ? data.get("options") : null;
        if (stored != null) {
            if (!stored.isObject() || stored.isEmpty()) {
                throw new InvalidUploadException("event.data.outputs", "event.data.outputs must be the stored outputs "
                        + "of a record, an object keyed by branch");
            }
            return new Upload(data.path("mediaId").asText(), data.path("sourceUrl").asText(),
                    data.path("round").asInt(0), Outputs.fromStored(stored), owner(data));
        }
        JsonNode round = data.get("round");
        if (round != null && !round.isNull() && !(round.canConvertToInt() && round.asInt() >= 0)) {
            throw new InvalidUploadException("event.data.round", "event.data.round must be a whole number >= 0");
        }
        return Upload.checked(text(data.get("mediaId"), "event.data.mediaId"),
                text(data.get("sourceUrl"), "event.data.sourceUrl"), round == null || round.isNull() ? 0 : round.asInt(),
                options.resolve(data.get("branches"), data.get("options"), "event.data."), "event.data.");
    }

    /**
     * The owner an event of ours names ({@code data.owner}): the key of Inngest's per-owner limits. Null for another
     * app's events and records without owner, which share one key.
     */
    public static String owner(JsonNode data) {
        JsonNode owner = data.get("owner");
        return owner != null && owner.isTextual() ? owner.asText() : null;
    }

    private static ObjectNode owned(ObjectNode data, String owner) {
        return owner == null ? data : data.put("owner", owner);
    }

    private static String text(JsonNode value, String field) {
        if (value == null || value.isNull()) {
            throw new InvalidUploadException(field, field + " is required");
        }
        if (!value.isTextual()) {
            throw new InvalidUploadException(field, field + " must be a string");
        }
        return value.asText();
    }

    /** {@value #TASK_ENDED} for the task of {@code key}; one id per task, so Ittybit's repeated deliveries are one event. */
    public static Event taskEnded(String key, String taskId, String status) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("key", key).put("taskId", taskId)
                .put("status", status);
        return Event.of(TASK_ENDED, data, "ittybit-task-ended-" + key);
    }

    /** {@value #CANCELLED} for a record's round; one id per round, so repeating a cancel sends one event. */
    public static Event cancelled(String mediaId, int round, String owner) {
        ObjectNode data = owned(JsonNodeFactory.instance.objectNode().put("mediaId", mediaId).put("round", round),
                owner);
        return Event.of(CANCELLED, data, "media-cancelled-" + mediaId + "-r" + round);
    }

    /** {@value #READY} for a ready record's round; its id makes a retried send one event. */
    public static Event ready(MediaView view, String owner) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("mediaId", view.id())
                .put("status", view.status().value());
        owned(putOutputs(data, view.outputs()).put("round", view.round()), owner);
        return Event.of(READY, data, "media-ready-" + view.id() + "-r" + view.round());
    }

    /**
     * {@value #FAILED} for a record's failed round: one id per round, whether the run's failure handler or the
     * reconciler sends it. {@code reason} is the code's short message (details stay in the logs).
     */
    public static Event failed(String mediaId, int round, String branch, FailureCode code, String owner) {
        ObjectNode data = owned(JsonNodeFactory.instance.objectNode().put("mediaId", mediaId).put("branch", branch)
                .put("code", code.code()).put("reason", code.message()).put("round", round), owner);
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
