package io.mediafanout.media.service.pipeline;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.mediafanout.inngest.InngestClient;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.BranchStatus;
import io.mediafanout.media.domain.Caller;
import io.mediafanout.media.domain.FailureCode;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.domain.Upload;
import io.mediafanout.media.repository.BranchRepository;
import io.mediafanout.media.repository.Media;
import io.mediafanout.media.repository.MediaBranch;
import io.mediafanout.media.repository.MediaRepository;
import io.mediafanout.media.service.CancelNotSentException;
import io.mediafanout.media.service.ConflictException;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.media.service.MediaMetrics;
import io.mediafanout.media.service.MediaQueries;
import io.mediafanout.media.service.MediaView;
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
     * The {@code assemble} step: the record becomes ready with the output each branch made. A record cancelled
     * meanwhile stays cancelled, keeping the outputs.
     */
    public Uni<MediaView> assemble(Upload upload, List<BranchResult> results) {
        // counted once committed: an attempt whose commit failed is not a ready record
        return storeReady(upload, results).invoke(view -> {
            if (view.status() == MediaStatus.READY) {
                Log.infof("Media %s is ready", view.id());
                metrics.runEnded(MediaStatus.READY);
            }
        });
    }

    @WithTransaction
    Uni<MediaView> storeReady(Upload upload, List<BranchResult> results) {
        return media.findById(upload.mediaId())
                .chain(found -> found != null ? Uni.createFrom().item(found)
                        // deleted since its branches' first steps stored it: stored again, from the run's upload
                        : media.insertIfAbsent(upload.mediaId(), null, upload.sourceUrl(), upload.outputs(), null)
                                .chain(() -> media.findById(upload.mediaId())))
                .map(record -> {
                    results.forEach(result -> record.setOutput(result.branch(), result.outputUrl()));
                    if (record.getStatus() == MediaStatus.CANCELLED) {
                        return record;
                    }
                    record.setStatus(MediaStatus.READY);
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
    public record RecordedFailure(String branch, FailureCode code, String status) {
        /** No record for the run's mediaId. */
        static final String MISSING = "missing";
        /** The record has moved on to another round. */
        static final String STALE = "stale";

        /** Whether {@code media/failed} is true of the record, and so is to be sent. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public boolean announce() {
            return MediaStatus.FAILED.value().equals(status) || MISSING.equals(status);
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
            MediaBranch failed = rows.stream().filter(b -> b.getStatus() == BranchStatus.FAILED).findFirst()
                    .orElse(null);
            String failedBranch = failed == null ? null : failed.getName();
            FailureCode code = failed == null || failed.getErrorCode() == null ? FailureCode.RUN_FAILED
                    : failed.getErrorCode();
            if (record == null) {
                return new RecordedFailure(failedBranch, code, RecordedFailure.MISSING);
            }
            if (record.getRound() != round) {
                return new RecordedFailure(failedBranch, code, RecordedFailure.STALE);
            }
            if (record.getStatus().ended()) {
                // ready or cancelled: its end is the true one; failed already (the reconciler abandoned it): as it is
                return new RecordedFailure(record.getFailedBranch(), record.getStatus() == MediaStatus.FAILED
                        ? record.getErrorCode() : code, record.getStatus().value());
            }
            keepCompletedOutputs(record, rows);
            record.setStatus(MediaStatus.FAILED);
            record.setFailedBranch(failedBranch);
            record.setError(error);
            record.setErrorCode(code);
            record.touch();
            Log.warnf("Media %s failed%s (%s): %s", mediaId, failedBranch == null ? "" : " in " + failedBranch,
                    code.code(), error);
            metrics.runEnded(MediaStatus.FAILED);
            return new RecordedFailure(failedBranch, code, MediaStatus.FAILED.value());
        }));
    }

    /** The record keeps the output of each branch that completed before its run ended. */
    private static void keepCompletedOutputs(Media record, List<MediaBranch> rows) {
        for (MediaBranch row : rows) {
            if (row.getStatus() == BranchStatus.COMPLETED) {
                Branch.byId(row.getName()).ifPresent(branch -> record.setOutput(branch, row.getOutputUrl()));
            }
        }
    }

    /**
     * Cancels a record that is processing: it becomes {@code cancelled} (keeping the outputs its finished branches
     * made) and {@value MediaEvents#CANCELLED} stops its run. Repeating it is safe and sends the event again (same id).
     * Ittybit's API has no way to cancel a task, so tasks already created run to their end; no new one is created.
     */
    public Uni<MediaQueries.Details> cancel(String id, Caller caller) {
        return markCancelled(id, caller).call(record -> inngest.send(MediaEvents.cancelled(record.getId(), record.getRound(),
                        record.getOwner()))
                        .onFailure(InngestClient.SendException.class).transform(e -> new CancelNotSentException(
                                "media " + id + " is cancelled, but its run could not be told yet: " + e.getMessage())))
                .chain(record -> queries.details(id));
    }

    @WithTransaction
    Uni<Media> markCancelled(String id, Caller caller) {
        return queries.visible(id, caller).chain(record -> {
            if (record.getStatus() == MediaStatus.READY || record.getStatus() == MediaStatus.FAILED) {
                throw new ConflictException("media " + id + " is already " + record.getStatus().value()
                        + ": there is nothing to cancel");
            }
            if (record.getStatus() == MediaStatus.CANCELLED) {
                return Uni.createFrom().item(record);
            }
            return branches.forMedia(id).map(rows -> {
                keepCompletedOutputs(record, rows);
                record.setStatus(MediaStatus.CANCELLED);
                record.setErrorCode(FailureCode.CANCELLED);
                record.setError("cancelled by the API");
                record.touch();
                Log.infof("Media %s cancelled", id);
                metrics.runEnded(MediaStatus.CANCELLED);
                return record;
            });
        });
    }

}
