package io.mediafanout.media.service.pipeline;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;

import jakarta.enterprise.context.ApplicationScoped;

import io.mediafanout.inngest.FunctionContext;
import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.inngest.NonRetriableException;
import io.mediafanout.media.client.IttybitClient;
import io.mediafanout.media.client.IttybitClient.TaskOrder;
import io.mediafanout.media.client.IttybitException;
import io.mediafanout.media.client.IttybitTask;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.FailureCode;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.domain.Upload;
import io.mediafanout.media.repository.BranchRepository;
import io.mediafanout.media.repository.MediaRepository;
import io.mediafanout.media.service.MediaMetrics;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * The two step bodies of a branch: create its Ittybit task (idempotently) and read it. Neither waits for the task:
 * Inngest holds the waits between steps. Both record progress, so that {@code GET /media/{id}} shows it live.
 */
@ApplicationScoped
public class BranchService {

    private final IttybitClient ittybit;
    private final MediaRepository media;
    private final BranchRepository branches;
    private final MediaMetrics metrics;
    private final String keyScope;

    public BranchService(IttybitClient ittybit, MediaRepository media, BranchRepository branches, MediaMetrics metrics,
            InngestEnvironment inngest) {
        this.ittybit = ittybit;
        this.media = media;
        this.branches = branches;
        this.metrics = metrics;
        this.keyScope = keyScope(inngest.appId(), inngest.env().orElse(""));
    }

    /**
     * 32 hex characters derived from (app id, Inngest environment, media, source URL, branch, the branch's options,
     * generation, and the reprocessing round when there is one): the same task for every retry of a step, a new one
     * for each generation and for other options, and never another app's or environment's task on a shared Ittybit
     * account.
     */
    public String taskKey(Upload upload, Branch branch, int generation) {
        return taskKey(keyScope, upload, branch, generation);
    }

    /** {@link #taskKey(Upload, Branch, int)} for the scope {@code "<app id>\n<Inngest environment>"}. */
    static String taskKey(String scope, Upload upload, Branch branch, int generation) {
        try {
            String identity = String.join("\n", scope, upload.mediaId(), upload.sourceUrl(), branch.id(),
                    Integer.toString(generation)) + (upload.round() == 0 ? "" : "\nround " + upload.round())
                    + "\noptions " + upload.outputs().canonical(branch);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String keyScope(String appId, String env) {
        return appId + "\n" + env;
    }

    /**
     * The create step: records the attempt and creates the task of this generation (or finds it again). Ittybit's
     * rate limit ends it with {@link TaskRef#rateLimited} when the branch {@code mayWait} (Inngest then holds the wait
     * and the create is tried again with the same key), else fails the branch for good. The create tried again after
     * such a wait ({@code afterWait}) is the same attempt, already recorded: it only checks that the record was not
     * cancelled meanwhile (a read; a burst of rate limits writes nothing), unless Inngest is retrying it.
     */
    public Uni<TaskRef> create(Branch branch, Upload upload, int generation, String key, boolean mayWait,
            boolean afterWait, FunctionContext run) {
        boolean recorded = afterWait && run.attempt() == 0;
        return Uni.createFrom().deferred(() -> (recorded ? notCancelled(branch, upload) : started(branch, upload,
                generation))
                .chain(() -> ittybit.create(branch, new TaskOrder(upload.sourceUrl(), branch.kind(),
                        upload.outputs().forIttybit(branch),
                        Map.of("mediaId", upload.mediaId(), "branch", branch.id()), key)))
                .invoke(task -> verify(branch, upload, task))
                .call(task -> taskCreated(upload, branch, task))
                .map(task -> new TaskRef(task.id(), key, generation, task.status()))
                .onFailure(IttybitClient.RateLimited.class).recoverWithUni(limited -> comeBackLater(branch, upload,
                        (IttybitClient.RateLimited) limited, mayWait, wait -> TaskRef.rateLimited(key, generation, wait)))
                .onFailure().call(failure -> failed(upload, branch, failure, run))
                .onFailure().transform(failure -> forInngest(branch, failure)));
    }

    /**
     * The read step: what the task is now. A finished task is recorded with its output; a failed one moves the
     * branch to its next generation ({@code lastGeneration}: the branch fails); a running one is reported as such
     * ({@code lastRead}: the branch fails as still running).
     */
    public Uni<TaskCheck> read(Branch branch, Upload upload, TaskRef task, boolean lastGeneration, boolean lastRead,
            boolean mayWait, FunctionContext run) {
        return Uni.createFrom().deferred(() -> ittybit.read(branch, task.id())
                .invoke(current -> verify(branch, upload, current))
                .chain(current -> switch (current.state()) {
                    case DONE -> current.outputUrl() != null ? completed(upload, branch, current)
                            : ended(upload, branch, task, current, "finished without an output URL", lastGeneration);
                    case FAILED -> ended(upload, branch, task, current,
                            "ended " + current.status() + (current.error() == null ? "" : ": " + current.error()),
                            lastGeneration);
                    case IN_PROGRESS -> lastRead
                            ? stillRunning(upload, branch, current)
                            : Uni.createFrom().item(check(current, TaskCheck.Outcome.RUNNING, null));
                })
                .onFailure(IttybitClient.RateLimited.class).recoverWithUni(limited -> comeBackLater(branch, upload,
                        (IttybitClient.RateLimited) limited, mayWait, wait -> TaskCheck.rateLimited(task.id(), wait)))
                .onFailure().call(failure -> failed(upload, branch, failure, run))
                .onFailure().transform(failure -> forInngest(branch, failure)));
    }

    /**
     * Ittybit asked us to come back later: the step's result says after how long (Inngest sleeps, nothing is held),
     * unless the branch has taken all the waits it may ({@code media.ittybit.rate-limit.max-waits}): then it fails
     * for good with {@link FailureCode#ITTYBIT_RATE_LIMITED}.
     */
    private static <T> Uni<T> comeBackLater(Branch branch, Upload upload, IttybitClient.RateLimited limited,
            boolean mayWait, java.util.function.Function<Duration, T> result) {
        if (!mayWait) {
            return Uni.createFrom().failure(new StillRateLimitedException(branch.id() + ": " + limited.getMessage()
                    + ", after every wait the branch may take (media.ittybit.rate-limit.max-waits)"));
        }
        Log.debugf("Media %s, %s: %s", upload.mediaId(), branch.id(), limited.getMessage());
        return Uni.createFrom().item(result.apply(limited.retryIn()));
    }

    /** Ittybit still answered with its rate limit after the branch's waits: never retried. */
    static final class StillRateLimitedException extends NonRetriableException {
        StillRateLimitedException(String message) {
            super(message);
        }
    }

    private Uni<TaskCheck> completed(Upload upload, Branch branch, IttybitTask task) {
        Log.infof("Branch %s of media %s done: task %s", branch.id(), upload.mediaId(), task.id());
        return recordCompleted(upload, branch, task)
                .invoke(started -> metrics.branchEnded(branch, true, started))
                .replaceWith(check(task, TaskCheck.Outcome.COMPLETED, null));
    }

    private Uni<TaskCheck> ended(Upload upload, Branch branch, TaskRef ref, IttybitTask task, String what,
            boolean lastGeneration) {
        String error = branch.id() + ": Ittybit task " + task.id() + " " + what;
        Log.warnf("Media %s: %s%s", upload.mediaId(), error, lastGeneration ? "" : "; a new task replaces it");
        return recordEnded(upload, branch, ref.generation(), error, FailureCode.TASK_FAILED, lastGeneration)
                .invoke(started -> {
                    if (lastGeneration) {
                        metrics.branchEnded(branch, false, started);
                    }
                })
                .replaceWith(check(task, TaskCheck.Outcome.FAILED, error));
    }

    private Uni<TaskCheck> stillRunning(Upload upload, Branch branch, IttybitTask task) {
        String error = branch.id() + ": Ittybit task " + task.id() + " still " + task.status()
                + " after the last read allowed (media.ittybit.poll.max-reads)";
        return recordFailed(upload, branch, error, FailureCode.TASK_TIMED_OUT, true)
                .replaceWith(check(task, TaskCheck.Outcome.RUNNING, error));
    }

    private static TaskCheck check(IttybitTask task, TaskCheck.Outcome outcome, String error) {
        return new TaskCheck(task.id(), task.status(), outcome, task.outputUrl(), error);
    }

    /** A task that is not what we asked for (another media's, or another kind) must never become our output. */
    private static void verify(Branch branch, Upload upload, IttybitTask task) {
        if ((task.mediaId() != null && !Objects.equals(task.mediaId(), upload.mediaId()))
                || (task.kind() != null && !Objects.equals(task.kind(), branch.kind()))) {
            throw new TaskMismatchException(branch.id() + ": Ittybit answered task " + task.id() + " of "
                    + (task.kind() == null ? "another kind" : "kind " + task.kind()) + " for media "
                    + (task.mediaId() == null ? "unknown" : task.mediaId()) + ", not the task this branch created");
        }
    }

    private static Throwable forInngest(Branch branch, Throwable failure) {
        if (!(failure instanceof IttybitException e)) {
            return failure;
        }
        String message = branch.id() + ": " + e.getMessage();
        return e.isTransient() ? new RuntimeException(message) : new NonRetriableException(message);
    }

    /**
     * Records the attempt. A cancelled record gets no new task, should its run go on (the {@code media/cancelled}
     * event did not reach Inngest). A run of a {@code video/uploaded} event sent by another app has no record yet:
     * its first step stores it, from the upload its run validated.
     */
    @WithTransaction
    Uni<Void> started(Branch branch, Upload upload, int generation) {
        return branches.started(upload.mediaId(), branch.id(), generation)
                .chain(recorded -> recorded ? Uni.createFrom().item(true)
                        : media.insertIfAbsent(upload.mediaId(), null, upload.sourceUrl(), upload.outputs(), null)
                                // stored now or by a parallel branch: false again only for a cancelled record
                                .chain(() -> branches.started(upload.mediaId(), branch.id(), generation)))
                .invoke(recorded -> {
                    if (!recorded) {
                        throw cancelled(branch, upload);
                    }
                })
                .replaceWithVoid();
    }

    /** Refuses a new task for a record cancelled since the branch's attempt was recorded ({@link #started}). */
    Uni<Void> notCancelled(Branch branch, Upload upload) {
        return media.status(upload.mediaId()).invoke(status -> {
            if (status == MediaStatus.CANCELLED) {
                throw cancelled(branch, upload);
            }
        }).replaceWithVoid();
    }

    private static CancelledException cancelled(Branch branch, Upload upload) {
        return new CancelledException("media " + upload.mediaId() + " was cancelled: " + branch.id()
                + " creates no task");
    }

    /** The record was cancelled: the run stops here, without retries. */
    static final class CancelledException extends NonRetriableException {
        CancelledException(String message) {
            super(message);
        }
    }

    @WithTransaction
    Uni<Void> taskCreated(Upload upload, Branch branch, IttybitTask task) {
        return branches.taskCreated(upload.mediaId(), branch.id(), task.id()).replaceWithVoid();
    }

    @WithTransaction
    Uni<Duration> recordCompleted(Upload upload, Branch branch, IttybitTask task) {
        return branches.completed(upload.mediaId(), branch.id(), task.id(), task.outputUrl());
    }

    @WithTransaction
    Uni<Duration> recordEnded(Upload upload, Branch branch, int generation, String error, FailureCode code,
            boolean lastGeneration) {
        return branches.taskEnded(upload.mediaId(), branch.id(), generation, error, code, lastGeneration);
    }

    @WithTransaction
    Uni<Void> recordFailed(Upload upload, Branch branch, String error, FailureCode code, boolean fin) {
        return branches.failed(upload.mediaId(), branch.id(), error, code, fin).replaceWithVoid();
    }

    /** A step attempt failed: the branch is retrying, or failed when Inngest will not retry it. */
    private Uni<Void> failed(Upload upload, Branch branch, Throwable failure, FunctionContext run) {
        boolean fin = failure instanceof NonRetriableException || (failure instanceof IttybitException e
                && !e.isTransient()) || isLastAttempt(run);
        return recordFailed(upload, branch, failure.getMessage(), code(failure), fin)
                .onFailure().recoverWithNull();
    }

    /** The stable code of a failed step attempt. */
    static FailureCode code(Throwable failure) {
        if (failure instanceof TaskMismatchException) {
            return FailureCode.TASK_MISMATCH;
        }
        if (failure instanceof CancelledException) {
            return FailureCode.CANCELLED;
        }
        if (failure instanceof StillRateLimitedException) {
            return FailureCode.ITTYBIT_RATE_LIMITED;
        }
        if (failure instanceof IttybitException e) {
            return e.isTransient() ? FailureCode.ITTYBIT_UNAVAILABLE : FailureCode.ITTYBIT_REJECTED;
        }
        return FailureCode.RUN_FAILED;
    }

    /** Ittybit answered with a task of another media or kind: never retried, never recorded as an output. */
    static final class TaskMismatchException extends NonRetriableException {
        TaskMismatchException(String message) {
            super(message);
        }
    }

    private static boolean isLastAttempt(FunctionContext run) {
        return run.maxAttempts().isPresent() && run.attempt() >= run.maxAttempts().getAsInt() - 1;
    }
}
