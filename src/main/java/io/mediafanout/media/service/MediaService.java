package io.mediafanout.media.service;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.smallrye.mutiny.Uni;

/** Media records: created on upload, assembled when every branch is done, failed when the run fails for good. */
@ApplicationScoped
public class MediaService {

    public static final String UPLOADED_EVENT = "video/uploaded";
    /** Sent when a record became ready: {@code {mediaId, status, hlsUrl, posterUrl, gifUrl, transcriptionUrl}}. */
    public static final String READY_EVENT = "media/ready";
    /** Sent when a run failed for good: {@code {mediaId, branch, reason}} ({@code branch} null when none failed). */
    public static final String FAILED_EVENT = "media/failed";

    /** A record with its branches. */
    public record Details(Media media, List<MediaBranch> branches) {
    }

    /** The outcome of an upload request. */
    public record Accepted(Details details, boolean created) {
    }

    /** The mediaId is already used for another source. */
    public static class ConflictException extends RuntimeException {
        public ConflictException(String message) {
            super(message, null, false, false);
        }
    }

    private final MediaRepository media;
    private final BranchRepository branches;
    private final InngestClient inngest;
    private final ObjectMapper json;
    private final MediaMetrics metrics;

    public MediaService(MediaRepository media, BranchRepository branches, InngestClient inngest, ObjectMapper json,
            MediaMetrics metrics) {
        this.metrics = metrics;
        this.media = media;
        this.branches = branches;
        this.inngest = inngest;
        this.json = json;
    }

    /**
     * Stores the record (if new) and starts the pipeline. The event's id is derived from the mediaId, so a repeated
     * upload never starts a second run; sending it again is safe and makes a retried request finish the job.
     */
    public Uni<Accepted> upload(String sourceUrl, Optional<String> mediaId) {
        String id = mediaId.orElseGet(() -> "med_" + UUID.randomUUID().toString().replace("-", ""));
        Upload upload = new Upload(id, sourceUrl);
        return store(upload)
                .call(created -> inngest.send(Event.of(UPLOADED_EVENT,
                        json.createObjectNode().put("mediaId", id).put("sourceUrl", sourceUrl), "video-uploaded-" + id)))
                .chain(created -> details(id).map(d -> new Accepted(d, created)));
    }

    @WithTransaction
    Uni<Boolean> store(Upload upload) {
        return media.insertIfAbsent(upload.mediaId(), upload.sourceUrl())
                .call(created -> created ? Uni.createFrom().voidItem()
                        : media.findById(upload.mediaId()).invoke(existing -> {
                            if (!existing.getSourceUrl().equals(upload.sourceUrl())) {
                                throw new ConflictException("mediaId " + upload.mediaId()
                                        + " is already used for another sourceUrl");
                            }
                        }));
    }

    /** The {@code assemble} step: the record becomes ready with the four outputs (created if it did not exist). */
    public Uni<MediaView> assemble(Upload upload, BranchResult hls, BranchResult poster, BranchResult gif,
            BranchResult transcription) {
        // counted once committed: an attempt whose commit failed is not a ready record
        return storeReady(upload, hls, poster, gif, transcription).invoke(view -> {
            Log.infof("Media %s is ready", view.id());
            metrics.runEnded(Media.READY);
        });
    }

    @WithTransaction
    Uni<MediaView> storeReady(Upload upload, BranchResult hls, BranchResult poster, BranchResult gif,
            BranchResult transcription) {
        return media.findById(upload.mediaId())
                .chain(found -> {
                    Media record = found != null ? found : new Media();
                    if (found == null) {
                        record.setId(upload.mediaId());
                        record.setSourceUrl(upload.sourceUrl());
                    }
                    record.setStatus(Media.READY);
                    record.setHlsUrl(hls.output().url());
                    record.setPosterUrl(poster.output().url());
                    record.setGifUrl(gif.output().url());
                    record.setTranscriptionUrl(transcription.output().url());
                    record.setError(null);
                    record.setFailedBranch(null);
                    record.touch();
                    return found != null ? Uni.createFrom().item(record) : media.persist(record);
                })
                .map(MediaView::of);
    }

    /**
     * The run failed for good: the record becomes failed, naming the failed branch (the one whose last attempt
     * failed) and the error, and shows the outputs of the branches that finished. A ready record is left alone.
     */
    @WithTransaction
    public Uni<String> markFailed(String mediaId, String error) {
        return branches.forMedia(mediaId).chain(rows -> media.findById(mediaId).map(record -> {
            String failedBranch = rows.stream().filter(b -> MediaBranch.FAILED.equals(b.getStatus()))
                    .map(MediaBranch::getName).findFirst().orElse(null);
            if (record == null || Media.READY.equals(record.getStatus())) {
                return failedBranch;
            }
            for (MediaBranch row : rows) {
                if (MediaBranch.COMPLETED.equals(row.getStatus())) {
                    setOutput(record, row.getName(), row.getOutputUrl());
                }
            }
            record.setStatus(Media.FAILED);
            record.setFailedBranch(failedBranch);
            record.setError(error);
            record.touch();
            Log.warnf("Media %s failed%s: %s", mediaId, failedBranch == null ? "" : " in " + failedBranch, error);
            metrics.runEnded(Media.FAILED);
            return failedBranch;
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

    /** {@value #READY_EVENT} for a ready record; its id makes a retried send one event. */
    public static Event readyEvent(MediaView view, String runId) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("mediaId", view.id()).put("status", view.status())
                .put("hlsUrl", view.hlsUrl()).put("posterUrl", view.posterUrl()).put("gifUrl", view.gifUrl())
                .put("transcriptionUrl", view.transcriptionUrl());
        return Event.of(READY_EVENT, data, "media-ready-" + runId);
    }

    /** {@value #FAILED_EVENT} for the failed run {@code runId}. */
    public static Event failedEvent(String mediaId, String branch, String reason, String runId) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("mediaId", mediaId).put("branch", branch)
                .put("reason", reason);
        return Event.of(FAILED_EVENT, data, "media-failed-" + runId);
    }

    @WithSession
    public Uni<Details> details(String id) {
        return media.findById(id).chain(found -> found == null ? Uni.createFrom().nullItem()
                : branches.forMedia(id).map(rows -> new Details(found, rows)));
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
                return records.stream().map(r -> new Details(r, byMedia.getOrDefault(r.getId(), List.of()))).toList();
            });
        });
    }
}
