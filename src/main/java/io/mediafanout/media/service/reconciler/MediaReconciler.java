package io.mediafanout.media.service.reconciler;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.mediafanout.inngest.InngestClient;
import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.FailureCode;
import io.mediafanout.media.repository.IdempotencyRepository;
import io.mediafanout.media.repository.MediaRepository;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.media.service.MediaMetrics;
import io.mediafanout.media.service.pipeline.BranchFlow;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * Finds records left behind, on one replica at a time (a PostgreSQL advisory lock held for one transaction):
 * <ul>
 * <li>a record still {@code processing} whose {@code video/uploaded} event Inngest never accepted (the event API was
 * down when it was uploaded, and the client did not repeat its request) gets its event sent again, with the same
 * event id, so Inngest starts its run at most once;</li>
 * <li>a record still {@code processing} after {@code media.reconciler.max-age} is marked failed with the code
 * {@code abandoned}, and its {@code media/failed} event is sent (kept due until Inngest accepts it, so a record
 * whose run failed while the database was down still ends failed, with its event and callback);</li>
 * <li>{@code Idempotency-Key}s older than their 24 hours are forgotten.</li>
 * </ul>
 * Records are claimed with a compare-and-set on their attempt time, so even two passes at once never send one
 * record's event twice.
 */
@Singleton
public class MediaReconciler {

    /** Inngest ignores an event whose id it received in the last 24 hours: re-sends stay inside that window. */
    static final Duration RESEND_WINDOW = Duration.ofHours(23);

    /** What one pass did. */
    public record Pass(boolean ran, List<String> abandoned, List<String> resent, List<String> failedAnnounced) {
        static final Pass SKIPPED = new Pass(false, List.of(), List.of(), List.of());
    }

    private record Claimed(List<String> abandoned, List<MediaRepository.Unsent> unsent) {
    }

    private final MediaRepository media;
    private final IdempotencyRepository keys;
    private final InngestClient inngest;
    private final MediaMetrics metrics;
    private final MediaConfig.Reconciler config;

    public MediaReconciler(MediaRepository media, IdempotencyRepository keys, InngestClient inngest,
            MediaMetrics metrics, MediaConfig config) {
        this.media = media;
        this.keys = keys;
        this.inngest = inngest;
        this.metrics = metrics;
        this.config = config.reconciler();
    }

    /** Warns when records of slow runs would be marked abandoned (its settings are checked by RequiredSettings). */
    void check(@Observes StartupEvent start, BranchFlow branches) {
        Duration longest = branches.longestWait();
        if (config.maxAge().compareTo(longest) < 0) {
            Log.warnf("media.reconciler.max-age (%s) is shorter than the longest a run may wait for Ittybit with these "
                    + "settings (%s): records of slow runs will be marked abandoned while they still run", config.maxAge(),
                    longest);
        }
    }

    @Scheduled(identity = "media-reconciler", every = "${media.reconciler.every}",
            delayed = "${media.reconciler.first-delay}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return reconcile().onFailure().recoverWithItem(failure -> {
            Log.warnf("The reconciler's pass failed (the next one tries again): %s", failure.getMessage());
            return Pass.SKIPPED;
        }).replaceWithVoid();
    }

    /** One pass: abandons the records that are too old, then sends again the events Inngest has not accepted. */
    public Uni<Pass> reconcile() {
        return claim().chain(claimed -> {
            if (claimed == null) {
                return Uni.createFrom().item(Pass.SKIPPED);
            }
            if (!claimed.abandoned().isEmpty()) {
                Log.warnf("Marked %d record(s) failed as abandoned (processing for more than %s): %s",
                        claimed.abandoned().size(), config.maxAge(), claimed.abandoned());
                metrics.abandoned(claimed.abandoned().size());
            }
            return resend(claimed.unsent()).chain(resent -> announceFailures()
                    .map(announced -> new Pass(true, claimed.abandoned(), resent, announced)));
        });
    }

    /** In one transaction holding the lock: abandons old records and claims unsent ones; null if another replica holds it. */
    @WithTransaction
    Uni<Claimed> claim() {
        return media.tryReconcilerLock().chain(locked -> !locked ? Uni.createFrom().<Claimed>nullItem()
                : media.abandon(config.maxAge(), FailureCode.ABANDONED,
                        "still processing " + config.maxAge() + " after its round started")
                        .chain(abandoned -> media.claimUnsent(config.resendAfter(), RESEND_WINDOW,
                                config.batchSize())
                                .call(() -> keys.forgetExpired(config.batchSize() * 10))
                                .map(unsent -> new Claimed(abandoned, unsent))));
    }

    private Uni<List<String>> resend(List<MediaRepository.Unsent> unsent) {
        if (unsent.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<String> ids = unsent.stream().map(MediaRepository.Unsent::id).toList();
        return inngest.send(unsent.stream().map(u -> MediaEvents.uploaded(u.id(), u.sourceUrl(), u.round(), u.outputs(),
                u.owner())).toList())
                .chain(() -> markSent(unsent))
                .invoke(() -> {
                    Log.infof("Sent again the video/uploaded event of %d record(s) Inngest had not accepted: %s",
                            ids.size(), ids);
                    metrics.eventsResent(ids.size());
                })
                .replaceWith(ids)
                .onFailure().recoverWithUni(failure -> {
                    Log.warnf("Could not send again the events of %d record(s) (tried again in %s): %s", ids.size(),
                            config.resendAfter(), failure.getMessage());
                    return markAttempted(unsent).onFailure().recoverWithNull().replaceWith(List.of());
                });
    }

    /**
     * Sends the {@code media/failed} event of failed records that owe one (abandoned ones), with the id of their
     * round's failure, so a failure handler sending it too makes one event. Kept due when Inngest does not take them.
     */
    Uni<List<String>> announceFailures() {
        return failedEventsDue().chain(due -> {
            if (due.isEmpty()) {
                return Uni.createFrom().item(List.<String>of());
            }
            List<String> ids = due.stream().map(MediaRepository.FailedEventDue::id).toList();
            return inngest.send(due.stream().map(d -> MediaEvents.failed(d.id(), d.round(), null, d.code(), d.owner())).toList())
                    .chain(() -> failedEventsSent(ids))
                    .invoke(() -> Log.infof("Sent media/failed for %d record(s) marked failed here: %s", ids.size(), ids))
                    .replaceWith(ids)
                    .onFailure().recoverWithItem(failure -> {
                        Log.warnf("Could not send media/failed for %d record(s) (tried again next pass): %s",
                                ids.size(), failure.getMessage());
                        return List.of();
                    });
        });
    }

    @WithTransaction
    Uni<List<MediaRepository.FailedEventDue>> failedEventsDue() {
        return media.failedEventsDue(config.batchSize());
    }

    @WithTransaction
    Uni<Void> failedEventsSent(List<String> ids) {
        return media.failedEventsSent(ids);
    }

    @WithTransaction
    Uni<Void> markSent(List<MediaRepository.Unsent> sent) {
        return each(sent, u -> media.eventSent(u.id(), u.round()));
    }

    /** The send ended without Inngest accepting it: the next try is {@code resend-after} from now. */
    @WithTransaction
    Uni<Void> markAttempted(List<MediaRepository.Unsent> tried) {
        return each(tried, u -> media.eventAttempted(u.id(), u.round()));
    }

    /** One statement after the other: a session is never used concurrently. */
    private static Uni<Void> each(List<MediaRepository.Unsent> records,
            java.util.function.Function<MediaRepository.Unsent, Uni<Void>> update) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (MediaRepository.Unsent u : records) {
            all = all.chain(() -> update.apply(u));
        }
        return all;
    }
}
