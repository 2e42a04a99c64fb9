package io.mediafanout.media.service.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.MDC;

import io.mediafanout.inngest.Cancellation;
import io.mediafanout.inngest.Concurrency;
import io.mediafanout.inngest.FunctionContext;
import io.mediafanout.inngest.FunctionDefinition;
import io.mediafanout.inngest.ParallelMode;
import io.mediafanout.inngest.NonRetriableException;
import io.mediafanout.inngest.Step;
import io.mediafanout.inngest.Throttle;
import io.mediafanout.inngest.Trigger;
import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.Upload;
import io.mediafanout.media.domain.Upload.InvalidUploadException;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.media.service.MediaView;
import io.mediafanout.media.service.OutputOptions;
import io.smallrye.mutiny.Uni;

/**
 * {@code fanout-adaptive-streaming}: on {@code video/uploaded}, the upload's branches (all four unless it chose some)
 * run in parallel, each creating an Ittybit task and letting Inngest hold the wait for it ({@link BranchFlow}; each
 * step retried on its own), then {@code assemble} persists the media record and {@code media-ready} tells other apps.
 * A run that fails for good marks the record failed and sends {@code media/failed}; {@code media/cancelled} for the
 * same media cancels the run.
 */
@Singleton
public class FanoutFunction {

    static final int RETRIES = 3;
    /** Retries of the failure handler: with Inngest's backoff they outlast a database outage of hours. */
    static final int FAILURE_RETRIES = 10;

    private final BranchFlow branches;
    private final MediaRecords media;
    private final OutputOptions options;
    private final MediaConfig.Owners owners;
    private final MediaConfig config;

    public FanoutFunction(BranchFlow branches, MediaRecords media, OutputOptions options, MediaConfig config) {
        this.branches = branches;
        this.media = media;
        this.options = options;
        this.owners = config.owners();
        this.config = config;
    }

    @Produces
    @Singleton
    FunctionDefinition fanoutAdaptiveStreaming() {
        FunctionDefinition.Builder function = FunctionDefinition.builder("fanout-adaptive-streaming")
                .trigger(Trigger.event(MediaEvents.UPLOADED))
                .retries(RETRIES)
                .cancelOn(Cancellation.match(MediaEvents.CANCELLED, "data.mediaId"))
                // each branch goes on as soon as its own wait or step ends: one branch's wait for its task (or a
                // rate-limited create's sleep) must not hold the others, nor be held by their waits
                .parallelMode(ParallelMode.RACE)
                .handler(this::fanOut)
                .onFailure(this::recordFailure, FAILURE_RETRIES);
        // one owner's import takes its share of the steps, not all of them (the app-wide limit is added at serve time)
        if (owners.pipelineShare() > 0) {
            function.concurrency(Concurrency.shareOfApp(owners.pipelineShare(), MediaEvents.OWNER_KEY));
        }
        throttle(config).ifPresent(function::throttle);
        return function.build();
    }

    /**
     * The function's throttle of run starts (Inngest takes one per function): the Ittybit plan's pace
     * ({@code media.ittybit.rate-limit.creates-per-second}, {@link #pace}), or one per owner
     * ({@code media.owners.runs-per-minute}), or none. Both set stops the start (checked by {@code RequiredSettings}).
     */
    public static Optional<Throttle> throttle(MediaConfig config) {
        double creates = config.ittybit().rateLimit().createsPerSecond();
        int perOwner = config.owners().runsPerMinute();
        if (creates > 0 && perOwner > 0) {
            throw MediaConfig.invalid("media.owners.runs-per-minute", perOwner, "it cannot be combined with "
                    + "media.ittybit.rate-limit.creates-per-second: Inngest takes one throttle per function (per-owner "
                    + "fairness comes from media.owners.pipeline-share)");
        }
        if (creates > 0) {
            return Optional.of(pace(creates));
        }
        return perOwner > 0
                ? Optional.of(Throttle.perKey(perOwner, Duration.ofMinutes(1), MediaEvents.OWNER_KEY))
                : Optional.empty();
    }

    /**
     * The throttle that keeps task creation at {@code createsPerSecond} across all replicas: a run creates at most one
     * task per branch ({@code C} = 4), so {@code floor(R)} runs start per {@code C} seconds; under one create a second,
     * one run per {@code ceil(C / R)} seconds. Inngest queues the excess runs (none fails); after a quiet spell up to
     * {@code floor(R)} runs start at once. Replacement tasks and creates tried again after a rate limit are not paced:
     * the waits of Inngest ({@link BranchFlow}) absorb them.
     */
    static Throttle pace(double createsPerSecond) {
        int creates = Branch.values().length;
        if (createsPerSecond >= 1) {
            return Throttle.of((int) Math.floor(createsPerSecond), Duration.ofSeconds(creates));
        }
        return Throttle.of(1, Duration.ofSeconds((long) Math.ceil(creates / createsPerSecond)));
    }

    Uni<MediaView> fanOut(FunctionContext run, Step step) {
        Upload upload = upload(run);
        MDC.put("mediaId", upload.mediaId());
        List<Uni<BranchResult>> outputs = upload.outputs().branches().stream()
                .map(branch -> branches.run(step, branch, upload, run)).toList();
        return Uni.join().all(outputs).andFailFast()
                .chain(done -> step.run("assemble", MediaView.class, () -> media.assemble(upload, done)))
                .call(view -> view.cancelled() ? Uni.createFrom().voidItem()
                        : step.sendEvent("media-ready", List.of(MediaEvents.ready(view, upload.owner()))));
    }

    /**
     * Marks the record failed and sends {@code media/failed}, unless the record ended otherwise (ready, cancelled)
     * or moved on to another round. While the database is down the step fails and the handler is retried
     * ({@link #FAILURE_RETRIES}, Inngest's backoff: hours); past that, the reconciler abandons the record and sends
     * the event.
     */
    Uni<String> recordFailure(FunctionContext run, Step step) {
        FunctionContext.Failure failure = run.failure().orElseThrow();
        if (failure.originalEvent() == null || !failure.originalEvent().data().path("mediaId").isTextual()) {
            return Uni.createFrom().item("no media record: the failed run had no mediaId");
        }
        String mediaId = failure.originalEvent().data().path("mediaId").asText();
        int round = failure.originalEvent().data().path("round").asInt(0);
        String owner = MediaEvents.owner(failure.originalEvent().data());
        MDC.put("mediaId", mediaId);
        return step.run("record-failure", MediaRecords.RecordedFailure.class,
                () -> media.markFailed(mediaId, round, failure.errorMessage()))
                .call(recorded -> !recorded.announce() ? Uni.createFrom().voidItem()
                        : step.sendEvent("media-failed", List.of(MediaEvents.failed(mediaId, round,
                                recorded.branch(), recorded.code(), owner))))
                .map(recorded -> recorded.announce() ? recorded.code().code() : "not failed: " + recorded.status());
    }

    private Upload upload(FunctionContext run) {
        try {
            return MediaEvents.upload(run.event().data(), options);
        } catch (InvalidUploadException e) {
            throw new NonRetriableException("invalid " + MediaEvents.UPLOADED + " event: " + e.getMessage());
        }
    }
}
