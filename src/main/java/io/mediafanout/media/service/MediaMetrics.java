package io.mediafanout.media.service;

import java.time.Duration;

import jakarta.inject.Singleton;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.BranchStatus;
import io.mediafanout.media.domain.MediaStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Pipeline metrics (Prometheus names): {@code media_runs_started_total{trigger}} for runs started (trigger upload,
 * reprocess), {@code media_branch_duration_seconds{branch,outcome}} for each branch that ended (outcome completed,
 * failed; a histogram, buckets from 5 s to 6 h), {@code media_runs_total{outcome}} for records that became ready,
 * failed or were abandoned (marked failed by the reconciler), and {@code media_events_resent_total} for events the
 * reconciler sent again.
 */
@Singleton
public class MediaMetrics {

    /** Buckets of {@code media_branch_duration_seconds}: Ittybit tasks take seconds to hours. */
    static final Duration[] BRANCH_BUCKETS = { Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30),
            Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10),
            Duration.ofMinutes(20), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2),
            Duration.ofHours(6) };

    /** The outcome of records the reconciler marked failed. */
    private static final String ABANDONED = "abandoned";

    private final MeterRegistry registry;

    public MediaMetrics(MeterRegistry registry) {
        this.registry = registry;
        // every series the dashboard and the alerts read exists from the start, at zero (a rate needs two samples)
        runsStarted("upload");
        runsStarted("reprocess");
        for (String outcome : new String[] { MediaStatus.READY.value(), MediaStatus.FAILED.value(), ABANDONED,
                MediaStatus.CANCELLED.value() }) {
            runs(outcome);
        }
        eventsResent();
    }

    private Counter runsStarted(String trigger) {
        return Counter.builder("media.runs.started").description("Runs started, by what started them")
                .tag("trigger", trigger).register(registry);
    }

    private Counter runs(String outcome) {
        return Counter.builder("media.runs").description("Media records that became ready, failed, abandoned or cancelled")
                .tag("outcome", outcome).register(registry);
    }

    private Counter eventsResent() {
        return Counter.builder("media.events.resent").description("video/uploaded events sent again by the reconciler")
                .register(registry);
    }

    /** A branch ended: its duration from the creation of its first task to its output, or to its final failure. */
    public void branchEnded(Branch branch, boolean completed, Duration duration) {
        Timer.builder("media.branch.duration").description("Duration of a branch, from its first Ittybit task to its end")
                .tag("branch", branch.id())
                .tag("outcome", (completed ? BranchStatus.COMPLETED : BranchStatus.FAILED).value())
                .serviceLevelObjectives(BRANCH_BUCKETS)
                .register(registry).record(duration);
    }

    /** A run started: a new upload ({@code upload}) or a new round of a finished record ({@code reprocess}). */
    public void runStarted(String trigger) {
        runsStarted(trigger).increment();
    }

    /** A record's run ended: it became ready, failed or cancelled. */
    public void runEnded(MediaStatus status) {
        runs(status.value()).increment();
    }

    /** The reconciler marked records failed that were still processing past the maximum age. */
    public void abandoned(int count) {
        runs(ABANDONED).increment(count);
    }

    /** The reconciler sent the events of records whose events Inngest had not accepted. */
    public void eventsResent(int count) {
        eventsResent().increment(count);
    }
}
