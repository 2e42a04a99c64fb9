package io.mediafanout.media.service.intake;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.mediafanout.inngest.InngestClient;
import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.Caller;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.domain.Outputs;
import io.mediafanout.media.repository.IdempotencyRepository;
import io.mediafanout.media.repository.Media;
import io.mediafanout.media.repository.MediaRepository;
import io.mediafanout.media.service.ConflictException;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.media.service.MediaMetrics;
import io.mediafanout.media.service.MediaQueries;
import io.mediafanout.media.service.OutputOptions;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Intake: an upload or a reprocess becomes a record in {@code processing} (its owner's, honouring an
 * {@code Idempotency-Key}) and the {@value MediaEvents#UPLOADED} event that starts its run. An owner has at most
 * {@code MEDIA_API_MAX_IN_PROGRESS_PER_OWNER} records in {@code processing}: see {@link #admit}.
 */
@ApplicationScoped
public class MediaIntake {

    /**
     * The outcome of an upload request: {@code started} when a run was started (or its start repeated, for a record
     * still processing); false for a record that is already ready or failed, which is returned as it is.
     */
    public record Accepted(MediaQueries.Details details, boolean created, boolean started, boolean replayed) {
    }

    /**
     * What to make of a video, as the API checked it once: the source, the id if the caller chose one, the
     * {@link Outputs} resolved by {@link OutputOptions} (complete), the callback URL. Stored as it is.
     */
    public record UploadOrder(Caller caller, String sourceUrl, Optional<String> mediaId, Outputs outputs,
            Optional<String> callbackUrl, Optional<IdempotentRequest> idempotency) {
    }

    private final MediaRepository media;
    private final IdempotencyRepository keys;
    private final InngestClient inngest;
    private final MediaMetrics metrics;
    private final MediaQueries queries;
    private final int maxInProgressPerOwner;
    private final OwnerTurns turns;

    public MediaIntake(MediaRepository media, IdempotencyRepository keys, InngestClient inngest, MediaMetrics metrics,
            MediaQueries queries, MediaConfig config) {
        this.maxInProgressPerOwner = config.api().maxInProgressPerOwner();
        this.turns = new OwnerTurns(config.api().rateLimitBurst());
        this.media = media;
        this.keys = keys;
        this.inngest = inngest;
        this.metrics = metrics;
        this.queries = queries;
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
        return inTurn(order.caller().owner(), () -> store(order, generated)).chain(stored -> {
            String id = stored.record().getId();
            if (stored.replayedStatus() != null) {
                return queries.details(id).map(d -> new Accepted(d, false, stored.replayedStatus() == 202, true));
            }
            boolean finished = !stored.created() && stored.record().getStatus().ended();
            if (stored.created()) {
                // its run starts now, or from the reconciler if Inngest does not take the event now
                metrics.runStarted("upload");
            }
            Uni<Void> start = finished ? Uni.createFrom().voidItem() : start(stored.record());
            return start.chain(() -> answered(order.caller(), order.idempotency(), finished ? 200 : 202))
                    .chain(() -> queries.details(id)).map(d -> new Accepted(d, stored.created(), !finished, false));
        });
    }

    /**
     * Starts a new run of a ready or failed record on purpose: the next round, whose event id and Ittybit task keys
     * are new. A record still processing is refused (its run is not over). With an {@code Idempotency-Key}, a repeat
     * starts no further round.
     */
    public Uni<Accepted> reprocess(String id, Caller caller, Optional<IdempotentRequest> idempotency) {
        return inTurn(caller.owner(), () -> nextRound(id, caller, idempotency)).chain(next -> {
            if (next.replayedStatus() != null) {
                return queries.details(id).map(d -> new Accepted(d, false, true, true));
            }
            return start(next.record()).invoke(() -> metrics.runStarted("reprocess"))
                    .chain(() -> answered(caller, idempotency, 202))
                    .chain(() -> queries.details(id)).map(d -> new Accepted(d, false, true, false));
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
            return media.insertIfAbsent(id, order.caller().owner(), order.sourceUrl(), order.outputs(),
                    order.callbackUrl().orElse(null))
                    // only a new record counts against the cap: a repeat gets its usual answer
                    .call(created -> created ? admit(order.caller().owner(), id, maxInProgressPerOwner)
                            : Uni.createFrom().voidItem())
                    .chain(created -> media.findById(id).map(existing -> {
                        check(existing, order);
                        return new Stored(existing, created, null);
                    }));
        });
    }

    /** A repeated upload of {@code existing}: by its owner, asking for the same thing. */
    private void check(Media existing, UploadOrder order) {
        String id = existing.getId();
        if (existing.getOwner() == null || !existing.getOwner().equals(order.caller().owner())) {
            // another owner's record: nothing of it is shown or changed, whoever asks
            throw new ConflictException("mediaId " + id + " is already taken: choose another one, or "
                    + "leave it out and one is generated");
        }
        if (!existing.getSourceUrl().equals(order.sourceUrl())) {
            throw new ConflictException("mediaId " + id + " is already used for another sourceUrl");
        }
        if (!queries.outputs(existing).equals(order.outputs())) {
            throw new ConflictException("mediaId " + id + " is already used with other branches or options");
        }
        if (!Objects.equals(existing.getCallbackUrl(), order.callbackUrl().orElse(null))) {
            throw new ConflictException("mediaId " + id + " is already used with another callbackUrl");
        }
    }

    /**
     * {@code transaction}, which may take the owner's admission lock ({@link #admit}), after the caller's other
     * admissions on this replica ({@link OwnerTurns}): however many come at once, one of them holds a pool connection
     * while it waits for the lock. An admin's reprocess of another owner's record waits its own turn: the record's
     * owner is only known inside the transaction.
     */
    private <T> Uni<T> inTurn(String owner, Supplier<Uni<T>> transaction) {
        return capped(owner, maxInProgressPerOwner) ? turns.run(owner, transaction) : transaction.get();
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

    /** The next round of a record, or the round a repeated Idempotency-Key started. */
    private record NextRound(Media record, Integer replayedStatus) {
    }

    @WithTransaction
    Uni<NextRound> nextRound(String id, Caller caller, Optional<IdempotentRequest> idempotency) {
        return queries.visible(id, caller).chain(record -> {
            if (idempotency.isEmpty()) {
                return admittedNextRound(record).map(next -> new NextRound(next, null));
            }
            return keys.take(caller.owner(), idempotency.get().key(), idempotency.get().fingerprint(), id).chain(held -> {
                if (held.isEmpty()) {
                    return admittedNextRound(record).map(next -> new NextRound(next, null));
                }
                if (!held.get().fingerprint().equals(idempotency.get().fingerprint())) {
                    throw new IdempotentRequest.KeyReusedException();
                }
                // the round this key started, answered or not: its event is sent again by the reconciler if need be
                return Uni.createFrom().item(
                        new NextRound(record, held.get().statusCode() == null ? 202 : held.get().statusCode()));
            });
        });
    }

    /**
     * The record's next round, within its owner's cap (the owner of the record, who an admin's reprocess also counts
     * against). The record is changed only once admitted, after the owner's lock is taken.
     */
    private Uni<Media> admittedNextRound(Media record) {
        if (!record.getStatus().ended()) {
            throw new ConflictException("media " + record.getId()
                    + " is still processing; reprocess it once it is ready or failed");
        }
        return admit(record.getOwner(), record.getId(), maxInProgressPerOwner).map(admitted -> startNextRound(record));
    }

    /**
     * Refuses with {@link InProgressCapException} when {@code owner} already has {@code cap} records in
     * {@code processing} other than {@code id}, the record about to be put in processing (inserted already, or not
     * yet changed). Runs in the caller's transaction, which stores the record: it takes the owner's PostgreSQL
     * advisory lock until that transaction ends, so one owner's admissions (on every replica) happen one at a time
     * and each counts the records the ones before it committed; a refusal throws, and the transaction rolls back
     * (the record, the Idempotency-Key taken with it). It is called after the transaction's last write but the
     * record's own update, so a holder of the lock never waits for a row another admission holds.
     * {@code cap} 0 or less: no cap. No owner (records made before owners existed, or by an event sent straight to
     * Inngest; an open API in dev and test mode): no cap either, as such records have no one to count them against.
     */
    Uni<Void> admit(String owner, String id, int cap) {
        if (!capped(owner, cap)) {
            return Uni.createFrom().voidItem();
        }
        return media.lockOwnerAndCountProcessing(owner, id).map(inProgress -> {
            if (inProgress >= cap) {
                throw new InProgressCapException(cap);
            }
            return null;
        });
    }

    /** Whether {@code owner}'s admissions are counted against {@code cap} (and so take the owner's lock). */
    private static boolean capped(String owner, int cap) {
        return cap > 0 && owner != null && !owner.isBlank();
    }

    private static Media startNextRound(Media record) {
        record.startRound(record.getRound() + 1);
        record.setStatus(MediaStatus.PROCESSING);
        record.setError(null);
        record.setErrorCode(null);
        record.setFailedBranch(null);
        return record;
    }

    /**
     * Sends the record's {@value MediaEvents#UPLOADED} and notes that Inngest accepted it (until then the reconciler
     * re-sends it).
     */
    private Uni<Void> start(Media record) {
        return inngest.send(MediaEvents.uploaded(record.getId(), record.getSourceUrl(), record.getRound(),
                record.getOutputs(), record.getOwner()))
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

}
