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
 * Steps per branch: at most {@code GENERATIONS × (2 × max-reads + 1)}; a run's, {@link #mostSteps} (checked at start
 * by {@code RequiredSettings}).
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
     * its wait, the reads and the sleeps between them), then the final steps.
     */
    public static int mostSteps(int maxReads) {
        return Branch.values().length * GENERATIONS * (2 * maxReads + 1) + FINAL_STEPS;
    }

    /** Refuses {@code media.ittybit.poll.max-reads} values that could take a run past Inngest's step limit. */
    public static void checkStepBudget(int maxReads) {
        if (mostSteps(maxReads) > INNGEST_MAX_STEPS) {
            int most = ((INNGEST_MAX_STEPS - FINAL_STEPS) / (Branch.values().length * GENERATIONS) - 1) / 2;
            throw MediaConfig.invalid("media.ittybit.poll.max-reads", maxReads, "it must be at most " + most
                    + ", so that a run stays under Inngest's " + INNGEST_MAX_STEPS + " steps (" + mostSteps(maxReads)
                    + " with " + maxReads + ")");
        }
    }

    private final BranchService service;
    private final MediaConfig.Poll poll;
    private final Duration firstWait;

    public BranchFlow(BranchService service, MediaConfig config, IttybitWebhooks webhooks) {
        this.service = service;
        this.poll = config.ittybit().poll();
        this.firstWait = webhooks.enabled() ? config.ittybit().webhook().waitTimeout() : poll.initialDelay();
    }

    public Uni<BranchResult> run(Step step, Branch branch, Upload upload, FunctionContext run) {
        return task(step, branch, upload, run, 0);
    }

    private Uni<BranchResult> task(Step step, Branch branch, Upload upload, FunctionContext run, int generation) {
        String id = generation == 0 ? branch.id() : branch.id() + "-g" + generation;
        String key = service.taskKey(upload, branch, generation);
        Uni<Optional<Event>> ended = step.waitForEvent(id + "-ended", MediaEvents.TASK_ENDED, "async.data.key == '" + key + "'",
                firstWait);
        Uni<TaskRef> created = step.run(id, TaskRef.class, () -> service.create(branch, upload, generation, key, run));
        return Uni.combine().all().unis(ended, created).asTuple()
                .chain(both -> read(step, branch, upload, run, id, both.getItem2(), 0));
    }

    private Uni<BranchResult> read(Step step, Branch branch, Upload upload, FunctionContext run, String id,
            TaskRef task, int read) {
        String suffix = read == 0 ? "" : "-" + read;
        boolean lastGeneration = task.generation() == GENERATIONS - 1;
        boolean lastRead = read == poll.maxReads() - 1;
        return step.run(id + "-result" + suffix, TaskCheck.class,
                () -> service.read(branch, upload, task, lastGeneration, lastRead, run))
                .chain(check -> switch (check.outcome()) {
                    case COMPLETED -> Uni.createFrom().item(new BranchResult(branch, check.id(), check.outputUrl()));
                    case FAILED -> lastGeneration ? Uni.createFrom().failure(new NonRetriableException(check.error()))
                            : task(step, branch, upload, run, task.generation() + 1);
                    case RUNNING -> lastRead ? Uni.createFrom().failure(new NonRetriableException(check.error()))
                            : step.sleep(id + "-backoff" + suffix, backoff(read))
                                    .chain(() -> read(step, branch, upload, run, id, task, read + 1));
                });
    }

    /**
     * The longest a branch can wait for Ittybit: every task it may create waited for to the last read (Inngest's
     * own step retries come on top).
     */
    public Duration longestWait() {
        Duration perTask = firstWait;
        for (int read = 0; read < poll.maxReads() - 1; read++) {
            perTask = perTask.plus(backoff(read));
        }
        return perTask.multipliedBy(GENERATIONS);
    }

    /** The delay after read {@code n} found the task running: the initial delay, doubled each time, capped. */
    Duration backoff(int read) {
        Duration delay = poll.initialDelay().multipliedBy(1L << Math.min(read, 20));
        return delay.compareTo(poll.maxDelay()) > 0 ? poll.maxDelay() : delay;
    }
}
