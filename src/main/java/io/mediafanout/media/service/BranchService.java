package io.mediafanout.media.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

import jakarta.enterprise.context.ApplicationScoped;

import io.mediafanout.inngest.FunctionContext;
import io.mediafanout.inngest.RetryAfterException;
import io.mediafanout.media.client.IttybitClient;
import io.mediafanout.media.client.IttybitClient.TaskOrder;
import io.mediafanout.media.client.IttybitException;
import io.mediafanout.media.client.IttybitTask;
import io.mediafanout.media.repository.BranchRepository;
import io.mediafanout.media.repository.MediaRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Runs one branch: records the attempt, creates the Ittybit task (idempotently) and waits for it, and records the
 * outcome, so that {@code GET /media/{id}} shows progress live.
 */
@ApplicationScoped
public class BranchService {

    /** A branch's task ended failed: a step error Inngest retries (with a new task). */
    public static class TaskFailedException extends RuntimeException {
        TaskFailedException(String message) {
            super(message, null, false, false);
        }
    }

    private final IttybitClient ittybit;
    private final MediaRepository media;
    private final BranchRepository branches;
    private final MediaMetrics metrics;

    public BranchService(IttybitClient ittybit, MediaRepository media, BranchRepository branches,
            MediaMetrics metrics) {
        this.ittybit = ittybit;
        this.media = media;
        this.branches = branches;
        this.metrics = metrics;
    }

    public Uni<BranchResult> run(Branch branch, Upload upload, FunctionContext run) {
        return Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            return attempt(branch, upload, run).onTermination().invoke((result, failure, cancelled) -> metrics
                    .branchAttempt(branch, result != null, Duration.ofNanos(System.nanoTime() - start)));
        });
    }

    private Uni<BranchResult> attempt(Branch branch, Upload upload, FunctionContext run) {
        boolean lastAttempt = run.maxAttempts().isPresent() && run.attempt() >= run.maxAttempts().getAsInt() - 1;
        return start(branch, upload)
                .chain(generation -> branch.call(ittybit, order(branch, upload, generation),
                        task -> taskCreated(upload, branch, task)))
                .chain(task -> finish(branch, upload, task))
                .onFailure().call(failure -> failed(upload, branch, failure, lastAttempt))
                .onFailure(IttybitException.class).transform(failure -> {
                    IttybitException e = (IttybitException) failure;
                    String message = branch.id() + ": " + e.getMessage();
                    return e.retryAfter().isPresent() && !e.isTransient()
                            ? new RetryAfterException(message, e.retryAfter().get())
                            : new RuntimeException(message);
                });
    }

    @WithTransaction
    Uni<Integer> start(Branch branch, Upload upload) {
        return media.insertIfAbsent(upload.mediaId(), upload.sourceUrl())
                .chain(() -> branches.started(upload.mediaId(), branch.id()));
    }

    @WithTransaction
    Uni<Void> taskCreated(Upload upload, Branch branch, IttybitTask task) {
        return branches.taskCreated(upload.mediaId(), branch.id(), task.id()).replaceWithVoid();
    }

    @WithTransaction
    Uni<Void> completed(Upload upload, Branch branch, IttybitTask task) {
        return branches.completed(upload.mediaId(), branch.id(), task.id(), task.outputUrl()).replaceWithVoid();
    }

    @WithTransaction
    Uni<Void> failed(Upload upload, Branch branch, Throwable failure, boolean lastAttempt) {
        return branches.failed(upload.mediaId(), branch.id(), failure.getMessage(), lastAttempt,
                failure instanceof TaskFailedException).replaceWithVoid();
    }

    private Uni<BranchResult> finish(Branch branch, Upload upload, IttybitTask task) {
        if (task.state() == IttybitTask.State.FAILED) {
            return Uni.createFrom().failure(new TaskFailedException(branch.id() + ": Ittybit task " + task.id()
                    + " ended " + task.status() + (task.error() == null ? "" : ": " + task.error())));
        }
        if (task.outputUrl() == null) {
            return Uni.createFrom().failure(new TaskFailedException(
                    branch.id() + ": Ittybit task " + task.id() + " finished without an output URL"));
        }
        Log.infof("Branch %s of media %s done: task %s", branch.id(), upload.mediaId(), task.id());
        return completed(upload, branch, task)
                .replaceWith(new BranchResult(task.id(), task.status(), upload.sourceUrl(),
                        new BranchResult.Output(task.outputUrl())));
    }

    private static TaskOrder order(Branch branch, Upload upload, int generation) {
        return new TaskOrder(upload.sourceUrl(), branch.kind(), branch.options(), upload.mediaId(),
                idempotencyKey(upload.mediaId(), branch, generation));
    }

    /**
     * 32 hex characters derived from (media, branch, generation): the same task for every retry of an attempt, a new
     * one once a task ended failed.
     */
    static String idempotencyKey(String mediaId, Branch branch, int generation) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    (mediaId + "\n" + branch.id() + "\n" + generation).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
