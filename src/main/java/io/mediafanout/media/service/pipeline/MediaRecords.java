package io.mediafanout.media.service.pipeline;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.mediafanout.inngest.InngestClient;
import io.mediafanout.media.repository.BranchRepository;
import io.mediafanout.media.repository.Media;
import io.mediafanout.media.repository.MediaBranch;
import io.mediafanout.media.repository.MediaRepository;
import io.mediafanout.media.service.Branch;
import io.mediafanout.media.service.Caller;
import io.mediafanout.media.service.CancelNotSentException;
import io.mediafanout.media.service.ConflictException;
import io.mediafanout.media.service.FailureCode;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.media.service.MediaMetrics;
import io.mediafanout.media.service.MediaQueries;
import io.mediafanout.media.service.MediaView;
import io.mediafanout.media.service.Outputs;
import io.mediafanout.media.service.Upload;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.logging.Log;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * The record's side of a run and of a cancel: {@code assemble} makes it ready, the failure handler failed, a
 * {@code DELETE} cancelled, each only from a state where that is true.
 */
@ApplicationScoped
public class MediaRecords {

    private final MediaRepository media;
    private final BranchRepository branches;
    private final InngestClient inngest;
    private final MediaMetrics metrics;
    private final MediaQueries queries;

    public MediaRecords(MediaRepository media, BranchRepository branches, InngestClient inngest, MediaMetrics metrics,
            MediaQueries queries) {
        this.media = media;
        this.branches = branches;
        this.inngest = inngest;
        this.metrics = metrics;
        this.queries = queries;
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
        // the record exists (its branches' first steps wrote it): inserted here only should it have been deleted since
        return media.insertIfAbsent(upload.mediaId(), null, upload.sourceUrl(), upload.outputs().toJson().toString(), null)
                .chain(() -> media.findById(upload.mediaId()))
                .map(record -> {
                    List<Branch> made = upload.outputs().branches();
                    for (int i = 0; i < made.size(); i++) {
                        record.setOutput(made.get(i), results.get(i).output().url());
                    }
                    if (Media.CANCELLED.equals(record.getStatus())) {
                        return record;
                    }
                    record.setStatus(Media.READY);
                    record.setError(null);
                    record.setErrorCode(null);
                    record.setFailedBranch(null);
                    record.setFailedEventDue(false); // abandoned by the reconciler, then completed after all
                    record.touch();
                    return record;
                })
                .map(MediaView::of);
    }

    /**
     * What {@link #markFailed} found: the failed branch (null when none failed), the error's code, and the record's
     * status afterwards ({@code failed}; {@code ready} or {@code cancelled} when the run's end came after the record's;
     * {@code stale} when the record has moved on to another round; {@code missing} when there is no record).
     */
    @RegisterForReflection
    public record RecordedFailure(String branch, String code, String status) {
        /** Whether {@code media/failed} is true of the record, and so is to be sent. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public boolean announce() {
            return Media.FAILED.equals(status) || "missing".equals(status);
        }
    }

    /**
     * The run of round {@code round} failed for good: the record becomes failed, naming the failed branch (the one
     * whose last attempt failed) and its error code, and shows the outputs of the branches that finished. A ready or
     * cancelled record, or one in another round, is left alone. {@code error} is the detailed text, kept for
     * operators (the API shows the code and its short message).
     */
    @WithTransaction
    public Uni<RecordedFailure> markFailed(String mediaId, int round, String error) {
        return branches.forMedia(mediaId).chain(rows -> media.findById(mediaId).map(record -> {
            MediaBranch failed = rows.stream().filter(b -> MediaBranch.FAILED.equals(b.getStatus())).findFirst()
                    .orElse(null);
            String failedBranch = failed == null ? null : failed.getName();
            FailureCode code = failed == null ? FailureCode.RUN_FAILED : FailureCode.of(failed.getErrorCode());
            if (record == null) {
                return new RecordedFailure(failedBranch, code.code(), "missing");
            }
            if (record.getRound() != round) {
                return new RecordedFailure(failedBranch, code.code(), "stale");
            }
            if (!Media.PROCESSING.equals(record.getStatus())) {
                // ready or cancelled: its end is the true one; failed already (the reconciler abandoned it): as it is
                return new RecordedFailure(record.getFailedBranch(), Media.FAILED.equals(record.getStatus())
                        ? record.getErrorCode() : code.code(), record.getStatus());
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
            return new RecordedFailure(failedBranch, code.code(), Media.FAILED);
        }));
    }

    private static void setOutput(Media record, String branch, String url) {
        Branch.byId(branch).ifPresent(b -> record.setOutput(b, url));
    }

    /**
     * Cancels a record that is processing: it becomes {@code cancelled} (keeping the outputs its finished branches
     * made) and {@value MediaEvents#CANCELLED} stops its run. Repeating it is safe and sends the event again (same id).
     * Ittybit's API has no way to cancel a task, so tasks already created run to their end; no new one is created.
     */
    public Uni<MediaQueries.Details> cancel(String id, Caller caller) {
        return markCancelled(id, caller).call(record -> inngest.send(MediaEvents.cancelled(record.getId(), record.getRound()))
                        .onFailure(InngestClient.SendException.class).transform(e -> new CancelNotSentException(
                                "media " + id + " is cancelled, but its run could not be told yet: " + e.getMessage())))
                .chain(record -> queries.details(id));
    }

    @WithTransaction
    Uni<Media> markCancelled(String id, Caller caller) {
        return queries.visible(id, caller).chain(record -> {
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

}
