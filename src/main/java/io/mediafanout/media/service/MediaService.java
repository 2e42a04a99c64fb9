package io.mediafanout.media.service;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.InngestClient;
import io.mediafanout.media.repository.BranchRepository;
import io.mediafanout.media.repository.IdempotencyRepository;
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

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A record with its branches, and the outputs it was asked for. */
    public record Details(Media media, List<MediaBranch> branches, Outputs outputs) {
    }

    /**
     * The outcome of an upload request: {@code started} when a run was started (or its start repeated, for a record
     * still processing); false for a record that is already ready or failed, which is returned as it is.
     */
    public record Accepted(Details details, boolean created, boolean started, boolean replayed) {
    }

    /** No record has this id. */
    public static class NotFoundException extends RuntimeException {
        public NotFoundException(String message) {
            super(message, null, false, false);
        }
    }

    /** What to make of a video: {@link Outputs} resolved by {@link OutputOptions}; the callback URL already checked. */
    public record UploadOrder(Caller caller, String sourceUrl, Optional<String> mediaId, Outputs outputs,
            Optional<String> callbackUrl, Optional<IdempotentRequest> idempotency) {
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
    private final IdempotencyRepository keys;
    private final BranchRepository branches;
    private final InngestClient inngest;
    private final MediaMetrics metrics;
    private final OutputOptions options;

    public MediaService(MediaRepository media, IdempotencyRepository keys, BranchRepository branches,
            InngestClient inngest, MediaMetrics metrics, OutputOptions options) {
        this.keys = keys;
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
     * With an {@code Idempotency-Key}, a repeat of an answered request gets the same record and status, and does
     * nothing else.
     */
    public Uni<Accepted> upload(UploadOrder order) {
        String generated = order.mediaId().orElseGet(() -> "med_" + UUID.randomUUID().toString().replace("-", ""));
        return store(order, generated).chain(stored -> {
            String id = stored.record().getId();
            if (stored.replayedStatus() != null) {
                return details(id).map(d -> new Accepted(d, false, stored.replayedStatus() == 202, true));
            }
            boolean finished = !stored.created() && !Media.PROCESSING.equals(stored.record().getStatus());
            if (stored.created()) {
                // its run starts now, or from the reconciler if Inngest does not take the event now
                metrics.runStarted("upload");
            }
            Uni<Void> start = finished ? Uni.createFrom().voidItem() : start(stored.record());
            return start.chain(() -> answered(order.caller(), order.idempotency(), finished ? 200 : 202))
                    .chain(() -> details(id)).map(d -> new Accepted(d, stored.created(), !finished, false));
        });
    }

    /**
     * Starts a new run of a ready or failed record on purpose: the next round, whose event id and Ittybit task keys
     * are new. A record still processing is refused (its run is not over). With an {@code Idempotency-Key}, a repeat
     * starts no further round.
     */
    public Uni<Accepted> reprocess(String id, Caller caller, Optional<IdempotentRequest> idempotency) {
        return nextRound(id, caller, idempotency).chain(next -> {
            if (next.replayedStatus() != null) {
                return details(id).map(d -> new Accepted(d, false, true, true));
            }
            return start(next.record()).invoke(() -> metrics.runStarted("reprocess"))
                    .chain(() -> answered(caller, idempotency, 202))
                    .chain(() -> details(id)).map(d -> new Accepted(d, false, true, false));
        });
    }

    /** {@code replayedStatus}: the answer of the request that first used the Idempotency-Key; null otherwise. */
    private record Stored(Media record, boolean created, Integer replayedStatus) {
    }

    /**
     * Stores a new record for its caller; a repeated upload must come from the record's owner and ask for the same
     * thing (source, outputs, callback). The Idempotency-Key, if any, is taken in the same transaction.
     */
    @WithTransaction
    Uni<Stored> store(UploadOrder order, String generatedId) {
        Uni<Optional<IdempotencyRepository.StoredKey>> key = order.idempotency().isEmpty()
                ? Uni.createFrom().item(Optional.empty())
                : keys.take(order.caller().owner(), order.idempotency().get().key(),
                        order.idempotency().get().fingerprint(), generatedId);
        return key.chain(held -> {
            if (held.isPresent() && !held.get().fingerprint().equals(order.idempotency().get().fingerprint())) {
                throw new IdempotentRequest.KeyReusedException();
            }
            if (held.isPresent() && held.get().statusCode() != null) {
                return media.findById(held.get().mediaId())
                        .map(record -> new Stored(record, false, held.get().statusCode()));
            }
            String id = held.map(IdempotencyRepository.StoredKey::mediaId).orElse(generatedId);
            Upload upload = new Upload(id, order.sourceUrl(), 0, order.outputs());
            String callbackUrl = order.callbackUrl().orElse(null);
            return media.insertIfAbsent(id, order.caller().owner(), order.sourceUrl(),
                    order.outputs().toJson().toString(), callbackUrl)
                    .chain(created -> media.findById(id).map(existing -> {
                        check(existing, order.caller(), upload, callbackUrl);
                        return new Stored(existing, created, null);
                    }));
        });
    }

    /** A repeated upload of {@code existing}: by its owner, asking for the same thing. */
    private void check(Media existing, Caller caller, Upload upload, String callbackUrl) {
        if (existing.getOwner() == null || !existing.getOwner().equals(caller.owner())) {
            // another owner's record: nothing of it is shown or changed, whoever asks
            throw new ConflictException("mediaId " + upload.mediaId() + " is already taken: choose another one, or "
                    + "leave it out and one is generated");
        }
        if (!existing.getSourceUrl().equals(upload.sourceUrl())) {
            throw new ConflictException("mediaId " + upload.mediaId() + " is already used for another sourceUrl");
        }
        if (!outputs(existing).equals(upload.outputs())) {
            throw new ConflictException("mediaId " + upload.mediaId() + " is already used with other branches or options");
        }
        if (!Objects.equals(existing.getCallbackUrl(), callbackUrl)) {
            throw new ConflictException("mediaId " + upload.mediaId() + " is already used with another callbackUrl");
        }
    }

    /** Remembers the answer given to the request that took the Idempotency-Key (best effort: a repeat redoes it). */
    private Uni<Void> answered(Caller caller, Optional<IdempotentRequest> idempotency, int status) {
        if (idempotency.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return rememberAnswer(caller.owner(), idempotency.get().key(), status).onFailure().recoverWithUni(failure -> {
            Log.warnf("Could not record the answer of an Idempotency-Key (a repeat will redo the request, safely): %s",
                    failure.getMessage());
            return Uni.createFrom().voidItem();
        });
    }

    @WithTransaction
    Uni<Void> rememberAnswer(String owner, String key, int status) {
        return keys.answered(owner, key, status);
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

    /** The next round of a record, or the round a repeated Idempotency-Key started. */
    private record NextRound(Media record, Integer replayedStatus) {
    }

    @WithTransaction
    Uni<NextRound> nextRound(String id, Caller caller, Optional<IdempotentRequest> idempotency) {
        return visible(id, caller).chain(record -> {
            if (idempotency.isEmpty()) {
                return Uni.createFrom().item(new NextRound(startNextRound(record), null));
            }
            return keys.take(caller.owner(), idempotency.get().key(), idempotency.get().fingerprint(), id).map(held -> {
                if (held.isEmpty()) {
                    return new NextRound(startNextRound(record), null);
                }
                if (!held.get().fingerprint().equals(idempotency.get().fingerprint())) {
                    throw new IdempotentRequest.KeyReusedException();
                }
                // the round this key started, answered or not: its event is sent again by the reconciler if need be
                return new NextRound(record, held.get().statusCode() == null ? 202 : held.get().statusCode());
            });
        });
    }

    private static Media startNextRound(Media record) {
        if (Media.PROCESSING.equals(record.getStatus())) {
            throw new ConflictException("media " + record.getId()
                    + " is still processing; reprocess it once it is ready or failed");
        }
        record.startRound(record.getRound() + 1);
        record.setStatus(Media.PROCESSING);
        record.setError(null);
        record.setErrorCode(null);
        record.setFailedBranch(null);
        return record;
    }

    /** The record if {@code caller} may see it; {@link NotFoundException} otherwise (another owner's is no different). */
    private Uni<Media> visible(String id, Caller caller) {
        return media.findById(id).map(record -> {
            if (record == null || !caller.mayAccess(record.getOwner())) {
                throw new NotFoundException("no media record " + id);
            }
            return record;
        });
    }

    /**
     * Sends the record's {@value MediaEvents#UPLOADED} and notes that Inngest accepted it (until then the reconciler
     * re-sends it).
     */
    private Uni<Void> start(Media record) {
        return inngest.send(MediaEvents.uploaded(record.getId(), record.getSourceUrl(), record.getRound(), record.getOutputs()))
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
     * made) and {@value MediaEvents#CANCELLED} stops its run. Repeating it is safe and sends the event again (same id).
     * Ittybit's API has no way to cancel a task, so tasks already created run to their end; no new one is created.
     */
    public Uni<Details> cancel(String id, Caller caller) {
        return markCancelled(id, caller).call(record -> inngest.send(MediaEvents.cancelled(record.getId(), record.getRound()))
                        .onFailure(InngestClient.SendException.class).transform(e -> new CancelNotSentException(
                                "media " + id + " is cancelled, but its run could not be told yet: " + e.getMessage())))
                .chain(record -> details(id));
    }

    @WithTransaction
    Uni<Media> markCancelled(String id, Caller caller) {
        return visible(id, caller).chain(record -> {
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

    /** The record with its branches, if {@code caller} may see it; null otherwise (as for no record). */
    @WithSession
    public Uni<Details> details(String id, Caller caller) {
        return media.findById(id).chain(found -> found == null || !caller.mayAccess(found.getOwner())
                ? Uni.createFrom().nullItem()
                : branches.forMedia(id).map(rows -> new Details(found, rows, outputs(found))));
    }

    @WithSession
    Uni<Details> details(String id) {
        return media.findById(id).chain(found -> found == null ? Uni.createFrom().nullItem()
                : branches.forMedia(id).map(rows -> new Details(found, rows, outputs(found))));
    }

    /** The newest records {@code caller} may see: its own, or every record for an admin. */
    @WithSession
    public Uni<List<Details>> page(String status, int limit, Caller caller) {
        return media.page(status, caller.scope(), limit).chain(records -> {
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
