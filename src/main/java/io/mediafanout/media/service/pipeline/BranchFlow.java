package io.mediafanout.media.service.pipeline;

import java.time.Duration;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.mediafanout.inngest.Event;
import io.mediafanout.inngest.FunctionContext;
import io.mediafanout.inngest.NonRetriableException;
import io.mediafanout.inngest.Step;
import io.mediafanout.media.client.IttybitWebhooks;
import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.Upload;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.media.service.RateLimitWaits;
import io.smallrye.mutiny.Uni;

/**
 * One branch of the fan-out as durable steps: no call from Inngest waits for Ittybit. For each task (generation
 * {@code g}; ids below for {@code g = 0}, later ones get {@code -g<g>}):
 * <ol>
 * <li>{@code <branch>-ended} waits for {@code ittybit/task.ended} of the task's key, declared in the same turn as
 * {@code <branch>}, the step that creates the task, so the pause exists before the task can end. Without webhooks
 * nothing will come and the wait is the first delay of durable polling;
 * <li>{@code <branch>-result} reads the task (the event is never trusted);
 * <li>still running ⇒ {@code <branch>-backoff} sleeps (doubling up to {@code max-delay}), then
 * {@code <branch>-result-<n>} reads again, at most {@code max-reads} reads; failed ⇒ the next generation's task,
 * up to {@link #GENERATIONS} tasks; completed ⇒ the branch's result.
 * </ol>
 * Ittybit's rate limit on a create or a read ends that step with "retry after"; then {@code <branch>-rl<w>-wait}
 * sleeps in Inngest ({@link RateLimitWaits}) and the same step is tried again as {@code <its id>-rl<w>} (the same
 * idempotency key for a create), {@code w} counting the branch's waits, at most {@code max-waits}.
 * Steps per branch: at most {@code GENERATIONS × (2 × max-reads + 1) + 2 × max-waits}; a run's, {@link #mostSteps}
 * (checked at start by {@code RequiredSettings}).
 */
@ApplicationScoped
public class BranchFlow {

    /** Tasks per branch: the first and one replacement per retry of the function. */
    static final int GENERATIONS = FanoutFunction.RETRIES + 1;
    /** Inngest's limit of steps in one run. */
    static final int INNGEST_MAX_STEPS = 1000;
    /** Steps of a run besides its branches': {@code assemble} and {@code media-ready}. */
    private static final int FINAL_STEPS = 2;

    /**
     * The most steps a run can take: every branch's every task read {@code maxReads} times (per task: its create,
     * its wait, the reads and the sleeps between them), every branch's {@code maxWaits} rate-limit waits (a sleep and
     * the step tried again), then the final steps.
     */
    public static int mostSteps(int maxReads, int maxWaits) {
        return Branch.values().length * (GENERATIONS * (2 * maxReads + 1) + 2 * maxWaits) + FINAL_STEPS;
    }

    /**
     * Refuses {@code media.ittybit.poll.max-reads} and {@code media.ittybit.rate-limit.max-waits} values that could
     * take a run past Inngest's step limit.
     */
    public static void checkStepBudget(int maxReads, int maxWaits) {
        if (mostSteps(maxReads, maxWaits) > INNGEST_MAX_STEPS) {
            throw MediaConfig.invalid("media.ittybit.poll.max-reads", maxReads, "with media.ittybit.rate-limit.max-waits="
                    + maxWaits + " a run could take " + mostSteps(maxReads, maxWaits) + " steps, over Inngest's "
                    + INNGEST_MAX_STEPS + ": each read costs " + Branch.values().length * GENERATIONS * 2
                    + " steps of the worst case, each wait " + Branch.values().length * 2
                    + "; lower one of them (28 reads and 10 waits make " + mostSteps(28, 10) + ")");
        }
    }

    /** How long Ittybit keeps an {@code Idempotency-Key} (../shared/ittybit/API.md §4). */
    static final Duration IDEMPOTENCY_KEY_KEPT = Duration.ofHours(24);
    /** Of that day, what a branch's rate-limit waits may take: an hour is left for its steps and Inngest's queue. */
    static final Duration WAITS_WITHIN_THE_KEYS_DAY = IDEMPOTENCY_KEY_KEPT.minusHours(1);

    /**
     * Refuses {@code media.ittybit.rate-limit.max-wait} and {@code max-waits} whose waits, all at their longest
     * ({@link RateLimitWaits#longest}), could outlast the day Ittybit keeps an idempotency key, less an hour for the
     * steps themselves: a create that timed out may have made its task, and the create tried again after every wait
     * that follows must still find it.
     */
    public static void checkWaitsWithinTheKeysDay(Duration maxWait, int maxWaits) {
        Duration all = RateLimitWaits.longest(maxWait).multipliedBy(maxWaits);
        if (all.compareTo(WAITS_WITHIN_THE_KEYS_DAY) > 0) {
            throw MediaConfig.invalid("media.ittybit.rate-limit.max-wait", maxWait, "with "
                    + "media.ittybit.rate-limit.max-waits=" + maxWaits + " a branch's waits could last " + all
                    + ", over " + WAITS_WITHIN_THE_KEYS_DAY.toHours() + " h of the day Ittybit keeps an idempotency key, "
                    + "after which a create tried again could make a second task; lower one of them");
        }
    }

    private final BranchService service;
    private final MediaConfig.Poll poll;
    private final MediaConfig.RateLimit rateLimit;
    private final Duration firstWait;

    public BranchFlow(BranchService service, MediaConfig config, IttybitWebhooks webhooks) {
        this.service = service;
        this.poll = config.ittybit().poll();
        this.rateLimit = config.ittybit().rateLimit();
        this.firstWait = webhooks.enabled() ? config.ittybit().webhook().waitTimeout() : poll.initialDelay();
    }

    /** One branch of one run: what every step of the branch needs. */
    private record Of(Step step, Branch branch, Upload upload, FunctionContext run) {
    }

    /** A step's result and the rate-limit waits the branch has taken so far. */
    private record Waited<T>(T result, int waits) {
    }

    public Uni<BranchResult> run(Step step, Branch branch, Upload upload, FunctionContext run) {
        return task(new Of(step, branch, upload, run), 0, 0);
    }

    private Uni<BranchResult> task(Of b, int generation, int waits) {
        String id = generation == 0 ? b.branch().id() : b.branch().id() + "-g" + generation;
        String key = service.taskKey(b.upload(), b.branch(), generation);
        Uni<Optional<Event>> ended = b.step().waitForEvent(id + "-ended", MediaEvents.TASK_ENDED,
                "async.data.key == '" + key + "'", firstWait);
        Uni<Waited<TaskRef>> created = create(b, id, key, generation, waits, false);
        return Uni.combine().all().unis(ended, created).asTuple()
                .chain(both -> read(b, id, both.getItem2().result(), 0, both.getItem2().waits(),
                        id + "-result"));
    }

    /**
     * The create step {@code stepId}; after a rate limit, Inngest's sleep, then the same create again
     * ({@code afterWait}: the attempt is already recorded).
     */
    private Uni<Waited<TaskRef>> create(Of b, String stepId, String key, int generation, int waits,
            boolean afterWait) {
        return b.step().run(stepId, TaskRef.class, () -> service.create(b.branch(), b.upload(), generation, key,
                waits < rateLimit.maxWaits(), afterWait, b.run()))
                .chain(task -> task.retryAfterMs() == null ? Uni.createFrom().item(new Waited<>(task, waits))
                        : rateLimitWait(b, waits + 1, task.retryAfterMs())
                                .chain(() -> create(b, retried(stepId, waits + 1), key, generation, waits + 1, true)));
    }

    private Uni<BranchResult> read(Of b, String id, TaskRef task, int read, int waits, String stepId) {
        String suffix = read == 0 ? "" : "-" + read;
        boolean lastGeneration = task.generation() == GENERATIONS - 1;
        boolean lastRead = read == poll.maxReads() - 1;
        return b.step().run(stepId, TaskCheck.class, () -> service.read(b.branch(), b.upload(), task, lastGeneration,
                lastRead, waits < rateLimit.maxWaits(), b.run()))
                .chain(check -> switch (check.outcome()) {
                    case COMPLETED -> Uni.createFrom().item(new BranchResult(b.branch(), check.id(), check.outputUrl()));
                    case FAILED -> lastGeneration ? Uni.createFrom().failure(new NonRetriableException(check.error()))
                            : task(b, task.generation() + 1, waits);
                    case RUNNING -> lastRead ? Uni.createFrom().failure(new NonRetriableException(check.error()))
                            : b.step().sleep(id + "-backoff" + suffix, backoff(read)).chain(() -> read(b, id, task,
                                    read + 1, waits, id + "-result-" + (read + 1)));
                    case RATE_LIMITED -> rateLimitWait(b, waits + 1, check.retryAfterMs())
                            .chain(() -> read(b, id, task, read, waits + 1, retried(stepId, waits + 1)));
                });
    }

    /** Wait {@code wait} of the branch: Inngest sleeps ({@link RateLimitWaits}), nothing is held meanwhile. */
    private Uni<Void> rateLimitWait(Of b, int wait, long retryAfterMs) {
        return b.step().sleep(b.branch().id() + "-rl" + wait + "-wait", RateLimitWaits.sleep(
                Duration.ofMillis(retryAfterMs), rateLimit.maxWait(), b.run().runId(), b.branch().id(), wait));
    }

    /** The id of a step tried again after the branch's wait {@code wait}: unique, as the branch's waits are counted. */
    private static String retried(String stepId, int wait) {
        String first = stepId.replaceFirst("-rl\\d+$", "");
        return first + "-rl" + wait;
    }

    /**
     * The longest a branch can wait for Ittybit: every task it may create waited for to the last read, and every
     * rate-limit wait at its longest (Inngest's own step retries come on top).
     */
    public Duration longestWait() {
        Duration perTask = firstWait;
        for (int read = 0; read < poll.maxReads() - 1; read++) {
            perTask = perTask.plus(backoff(read));
        }
        return perTask.multipliedBy(GENERATIONS)
                .plus(RateLimitWaits.longest(rateLimit.maxWait()).multipliedBy(rateLimit.maxWaits()));
    }

    /** The delay after read {@code n} found the task running: the initial delay, doubled each time, capped. */
    Duration backoff(int read) {
        Duration delay = poll.initialDelay().multipliedBy(1L << Math.min(read, 20));
        return delay.compareTo(poll.maxDelay()) > 0 ? poll.maxDelay() : delay;
    }
}
