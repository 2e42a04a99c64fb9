package io.mediafanout.media.service;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.Event;
import io.mediafanout.inngest.InngestClient;
import io.mediafanout.media.repository.BranchRepository;
import io.mediafanout.media.repository.Media;
import io.mediafanout.media.repository.MediaBranch;
import io.mediafanout.media.repository.MediaRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.logging.Log;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/** Media records: created on upload, assembled when every branch is done, failed when the run fails for good. */
@ApplicationScoped
public class MediaService {

    public static final String UPLOADED_EVENT = "video/uploaded";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Sent when a record became ready: {@code {mediaId, status, hlsUrl, posterUrl, gifUrl, transcriptionUrl}}. */
    public static final String READY_EVENT = "media/ready";
    /**
     * Sent when a run failed for good: {@code {mediaId, branch, code, reason}} ({@code branch} null when none failed,
     * {@code code} a {@link FailureCode}).
     */
    public static final String FAILED_EVENT = "media/failed";
    /**
     * Sent when a record was cancelled ({@code DELETE /media/{id}}): {@code {mediaId, round}}. It cancels the record's
     * run ({@code cancelOn}) and triggers the {@code media.cancelled} callback.
     */
    public static final String CANCELLED_EVENT = "media/cancelled";

    /** A record with its branches, and the outputs it was asked for. */
    public record Details(Media media, List<MediaBranch> branches, Outputs outputs) {
    }

    /**
     * The outcome of an upload request: {@code started} when a run was started (or its start repeated, for a record
     * still processing); false for a record that is already ready or failed, which is returned as it is.
     */
    public record Accepted(Details details, boolean created, boolean started) {
    }

    /** No record has this id. */
    public static class NotFoundException extends RuntimeException {
        public NotFoundException(String message) {
            super(message, null, false, false);
        }
    }

    /** What to make of a video: {@link Outputs} resolved by {@link OutputOptions}; the callback URL already checked. */
    public record UploadOrder(String sourceUrl, Optional<String> mediaId, Outputs outputs, Optional<String> callbackUrl) {
    }

    /** The record is cancelled, but Inngest did not take the event that stops its run. */
    public static class CancelNotSentException extends RuntimeException {
        public CancelNotSentException(String message) {
            super(message, null, false, false);
        }
    }

    /** The mediaId is already used for another source, or the request conflicts with the record's state. */
    public static class ConflictException extends RuntimeException {
        public ConflictException(String message) {
            super(message, null, false, false);
        }
    }

    private final MediaRepository media;
    private final BranchRepository branches;
    private final InngestClient inngest;
    private final MediaMetrics metrics;
    private final OutputOptions options;

    public MediaService(MediaRepository media, BranchRepository branches, InngestClient inngest, MediaMetrics metrics,
            OutputOptions options) {
        this.metrics = metrics;
        this.options = options;
        this.media = media;
        this.branches = branches;
        this.inngest = inngest;
    }

    /**
     * Stores the record (if new) and starts the pipeline. The event's id is derived from the mediaId (and round), so
     * a repeated upload never starts a second run; sending it again is safe and makes a retried request finish the
     * job. A record that is already ready or failed is returned as it is: nothing starts (see {@link #reprocess}).
     */
    public Uni<Accepted> upload(UploadOrder order) {
        String id = order.mediaId().orElseGet(() -> "med_" + UUID.randomUUID().toString().replace("-", ""));
        return store(new Upload(id, order.sourceUrl(), 0, order.outputs()), order.callbackUrl().orElse(null))
                .chain(stored -> {
            boolean finished = !stored.created() && !Media.PROCESSING.equals(stored.record().getStatus());
            if (stored.created()) {
                // its run starts now, or from the reconciler if Inngest does not take the event now
                metrics.runStarted("upload");
            }
            Uni<Void> start = finished ? Uni.createFrom().voidItem() : start(stored.record());
            return start.chain(() -> details(id)).map(d -> new Accepted(d, stored.created(), !finished));
        });
    }

    /**
     * Starts a new run of a ready or failed record on purpose: the next round, whose event id and Ittybit task keys
     * are new. A record still processing is refused (its run is not over).
     */
    public Uni<Accepted> reprocess(String id) {
        return nextRound(id).call(this::start).invoke(() -> metrics.runStarted("reprocess"))
                .chain(record -> details(id)).map(d -> new Accepted(d, false, true));
    }

    private record Stored(Media record, boolean created) {
    }

    /** Stores a new record; a repeated upload must ask for the same thing (source, outputs, callback). */
    @WithTransaction
    Uni<Stored> store(Upload upload, String callbackUrl) {
        return media.insertIfAbsent(upload.mediaId(), upload.sourceUrl(), upload.outputs().toJson().toString(),
                callbackUrl)
                .chain(created -> media.findById(upload.mediaId()).map(existing -> {
                    if (!existing.getSourceUrl().equals(upload.sourceUrl())) {
                        throw new ConflictException("mediaId " + upload.mediaId()
                                + " is already used for another sourceUrl");
                    }
                    if (!outputs(existing).equals(upload.outputs())) {
                        throw new ConflictException("mediaId " + upload.mediaId()
                                + " is already used with other branches or options");
                    }
                    if (!Objects.equals(existing.getCallbackUrl(), callbackUrl)) {
                        throw new ConflictException("mediaId " + upload.mediaId()
                                + " is already used with another callbackUrl");
                    }
                    return new Stored(existing, created);
                }));
    }

    /** The record's outputs: every branch with the current defaults for a record stored before outputs were. */
    public Outputs outputs(Media record) {
        if (record.getOutputs() == null) {
            return options.defaults();
        }
        try {
            return Outputs.fromStored(JSON.readTree(record.getOutputs()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("media " + record.getId() + " has unreadable outputs", e);
        }
    }

    @WithTransaction
    Uni<Media> nextRound(String id) {
        return media.findById(id).map(record -> {
            if (record == null) {
                throw new NotFoundException("no media record " + id);
            }
            if (Media.PROCESSING.equals(record.getStatus())) {
                throw new ConflictException("media " + id + " is still processing; reprocess it once it is ready or failed");
            }
            record.startRound(record.getRound() + 1);
            record.setStatus(Media.PROCESSING);
            record.setError(null);
            record.setErrorCode(null);
            record.setFailedBranch(null);
            return record;
        });
    }

    /**
     * Sends the record's {@value #UPLOADED_EVENT} and notes that Inngest accepted it (until then the reconciler
     * re-sends it).
     */
    private Uni<Void> start(Media record) {
        return inngest.send(uploadedEvent(record.getId(), record.getSourceUrl(), record.getRound(), record.getOutputs()))
                .onFailure().call(() -> eventAttempted(record.getId(), record.getRound()).onFailure().recoverWithNull())
                .chain(() -> eventSent(record.getId(), record.getRound()));
    }

    @WithTransaction
    Uni<Void> eventSent(String id, int round) {
        return media.eventSent(id, round);
    }

    /** The send failed after its retries: the reconciler sends it again {@code resend-after} from now. */
    @WithTransaction
    Uni<Void> eventAttempted(String id, int round) {
        return media.eventAttempted(id, round);
    }

    /**
     * The {@value #UPLOADED_EVENT} of a record's round, with an id unique to that round, its branches and options
     * ({@code outputs}, the stored JSON; none for records stored before they were: the run uses the defaults).
     */
    static Event uploadedEvent(String mediaId, String sourceUrl, int round, String outputs) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("mediaId", mediaId).put("sourceUrl", sourceUrl);
        if (outputs != null) {
            try {
                JsonNode stored = JSON.readTree(outputs);
                ArrayNode names = data.putArray("branches");
                stored.fieldNames().forEachRemaining(names::add);
                data.set("options", stored);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("media " + mediaId + " has unreadable outputs", e);
            }
        }
        String eventId = "video-uploaded-" + mediaId;
        if (round > 0) {
            data.put("round", round);
            eventId += "-r" + round;
        }
        return Event.of(UPLOADED_EVENT, data, eventId);
    }

    /**
     * The {@code assemble} step: the record becomes ready with the outputs of its branches ({@code results}, in the
     * order of {@link Outputs#branches()}), created if it did not exist. A record cancelled meanwhile stays cancelled,
     * keeping the outputs.
     */
    public Uni<MediaView> assemble(Upload upload, List<BranchResult> results) {
        // counted once committed: an attempt whose commit failed is not a ready record
        return storeReady(upload, results).invoke(view -> {
            if (Media.READY.equals(view.status())) {
                Log.infof("Media %s is ready", view.id());
                metrics.runEnded(Media.READY);
            }
        });
    }

    @WithTransaction
    Uni<MediaView> storeReady(Upload upload, List<BranchResult> results) {
        return media.findById(upload.mediaId())
                .chain(found -> {
                    Media record = found != null ? found : new Media();
                    if (found == null) {
                        record.setId(upload.mediaId());
                        record.setSourceUrl(upload.sourceUrl());
                        record.setOutputs(upload.outputs().toJson().toString());
                    }
                    List<Branch> made = upload.outputs().branches();
                    for (int i = 0; i < made.size(); i++) {
                        setOutput(record, made.get(i).id(), results.get(i).output().url());
                    }
                    if (Media.CANCELLED.equals(record.getStatus())) {
                        return Uni.createFrom().item(record);
                    }
                    record.setStatus(Media.READY);
                    record.setError(null);
                    record.setErrorCode(null);
                    record.setFailedBranch(null);
                    record.touch();
                    return found != null ? Uni.createFrom().item(record) : media.persist(record);
                })
                .map(MediaView::of);
    }

    /** What {@link #markFailed} recorded: the failed branch (null when none failed) and the error's code. */
    @RegisterForReflection
    public record RecordedFailure(String branch, String code) {
        /** The record was cancelled, not failed: no {@code media/failed}. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public boolean cancelled() {
            return FailureCode.CANCELLED.code().equals(code);
        }
    }

    /**
     * The run failed for good: the record becomes failed, naming the failed branch (the one whose last attempt
     * failed) and its error code, and shows the outputs of the branches that finished. A ready record is left alone.
     * {@code error} is the detailed text, kept for operators (the API shows the code and its short message).
     */
    @WithTransaction
    public Uni<RecordedFailure> markFailed(String mediaId, String error) {
        return branches.forMedia(mediaId).chain(rows -> media.findById(mediaId).map(record -> {
            MediaBranch failed = rows.stream().filter(b -> MediaBranch.FAILED.equals(b.getStatus())).findFirst()
                    .orElse(null);
            String failedBranch = failed == null ? null : failed.getName();
            FailureCode code = failed == null ? FailureCode.RUN_FAILED : FailureCode.of(failed.getErrorCode());
            if (record != null && Media.CANCELLED.equals(record.getStatus())) {
                return new RecordedFailure(failedBranch, FailureCode.CANCELLED.code());
            }
            if (record == null || Media.READY.equals(record.getStatus())) {
                return new RecordedFailure(failedBranch, code.code());
            }
            for (MediaBranch row : rows) {
                if (MediaBranch.COMPLETED.equals(row.getStatus())) {
                    setOutput(record, row.getName(), row.getOutputUrl());
                }
            }
            record.setStatus(Media.FAILED);
            record.setFailedBranch(failedBranch);
            record.setError(error);
            record.setErrorCode(code.code());
            record.touch();
            Log.warnf("Media %s failed%s (%s): %s", mediaId, failedBranch == null ? "" : " in " + failedBranch,
                    code.code(), error);
            metrics.runEnded(Media.FAILED);
            return new RecordedFailure(failedBranch, code.code());
        }));
    }

    private static void setOutput(Media record, String branch, String url) {
        Branch.byId(branch).ifPresent(b -> {
            switch (b) {
                case HLS_PACKAGE -> record.setHlsUrl(url);
                case POSTER_IMAGE -> record.setPosterUrl(url);
                case GIF_PREVIEW -> record.setGifUrl(url);
                case AUDIO_TRANSCRIPTION -> record.setTranscriptionUrl(url);
            }
        });
    }

    /**
     * Cancels a record that is processing: it becomes {@code cancelled} (keeping the outputs its finished branches
     * made) and {@value #CANCELLED_EVENT} stops its run. Repeating it is safe and sends the event again (same id).
     * Ittybit's API has no way to cancel a task, so tasks already created run to their end; no new one is created.
     */
    public Uni<Details> cancel(String id) {
        return markCancelled(id).call(record -> inngest.send(cancelledEvent(record.getId(), record.getRound()))
                        .onFailure(InngestClient.SendException.class).transform(e -> new CancelNotSentException(
                                "media " + id + " is cancelled, but its run could not be told yet: " + e.getMessage())))
                .chain(record -> details(id));
    }

    @WithTransaction
    Uni<Media> markCancelled(String id) {
        return media.findById(id).chain(record -> {
            if (record == null) {
                throw new NotFoundException("no media record " + id);
            }
            if (Media.READY.equals(record.getStatus()) || Media.FAILED.equals(record.getStatus())) {
                throw new ConflictException("media " + id + " is already " + record.getStatus()
                        + ": there is nothing to cancel");
            }
            if (Media.CANCELLED.equals(record.getStatus())) {
                return Uni.createFrom().item(record);
            }
            return branches.forMedia(id).map(rows -> {
                for (MediaBranch row : rows) {
                    if (MediaBranch.COMPLETED.equals(row.getStatus())) {
                        setOutput(record, row.getName(), row.getOutputUrl());
                    }
                }
                record.setStatus(Media.CANCELLED);
                record.setErrorCode(FailureCode.CANCELLED.code());
                record.setError("cancelled by the API");
                record.touch();
                Log.infof("Media %s cancelled", id);
                metrics.runEnded(Media.CANCELLED);
                return record;
            });
        });
    }

    /** {@value #CANCELLED_EVENT} for a record's round; one id per round, so repeating a cancel sends one event. */
    static Event cancelledEvent(String mediaId, int round) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("mediaId", mediaId).put("round", round);
        return Event.of(CANCELLED_EVENT, data, "media-cancelled-" + mediaId + "-r" + round);
    }

    /** {@value #READY_EVENT} for a ready record; its id makes a retried send one event. */
    public static Event readyEvent(MediaView view, String runId) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("mediaId", view.id()).put("status", view.status())
                .put("hlsUrl", view.hlsUrl()).put("posterUrl", view.posterUrl()).put("gifUrl", view.gifUrl())
                .put("transcriptionUrl", view.transcriptionUrl());
        return Event.of(READY_EVENT, data, "media-ready-" + runId);
    }

    /** {@value #FAILED_EVENT} for the failed run {@code runId}. */
    public static Event failedEvent(String mediaId, RecordedFailure failure, String reason, String runId) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("mediaId", mediaId).put("branch", failure.branch())
                .put("code", failure.code()).put("reason", reason);
        return Event.of(FAILED_EVENT, data, "media-failed-" + runId);
    }

    @WithSession
    public Uni<Details> details(String id) {
        return media.findById(id).chain(found -> found == null ? Uni.createFrom().nullItem()
                : branches.forMedia(id).map(rows -> new Details(found, rows, outputs(found))));
    }

    @WithSession
    public Uni<List<Details>> page(String status, int limit) {
        return media.page(status, limit).chain(records -> {
            if (records.isEmpty()) {
                return Uni.createFrom().item(List.<Details>of());
            }
            return branches.forMedia(records.stream().map(Media::getId).toList()).map(rows -> {
                Map<String, List<MediaBranch>> byMedia = rows.stream()
                        .collect(Collectors.groupingBy(MediaBranch::getMediaId));
                return records.stream()
                        .map(r -> new Details(r, byMedia.getOrDefault(r.getId(), List.of()), outputs(r))).toList();
            });
        });
    }
}
