package io.mediafanout.media.service;

import java.time.Duration;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Pipeline metrics (Prometheus names): {@code media_branch_duration_seconds{branch,outcome}} for each branch
 * that ended (outcome completed, failed) and {@code media_runs_total{outcome}} for records that became ready, failed or were abandoned (marked
 * failed by the reconciler), and {@code media_events_resent_total} for events the reconciler sent again.
 */
@Singleton
public class MediaMetrics {

    private final MeterRegistry registry;

    public MediaMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A branch ended: its duration from the creation of its first task to its output, or to its final failure. */
    void branchEnded(Branch branch, boolean completed, Duration duration) {
        Timer.builder("media.branch.duration").description("Duration of a branch, from its first Ittybit task to its end")
                .tag("branch", branch.id()).tag("outcome", completed ? "completed" : "failed")
                .publishPercentileHistogram(false)
                .register(registry).record(duration);
    }

    void runEnded(String outcome) {
        runsEnded(outcome, 1);
    }

    void runsEnded(String outcome, int count) {
        Counter.builder("media.runs").description("Media records that became ready, failed or were abandoned")
                .tag("outcome", outcome).register(registry).increment(count);
    }

    /** The reconciler sent the events of records whose events Inngest had not accepted. */
    void eventsResent(int count) {
        Counter.builder("media.events.resent").description("video/uploaded events sent again by the reconciler")
                .register(registry).increment(count);
    }
}
