package io.mediafanout.media.repository;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.mediafanout.media.domain.BranchStatus;
import io.mediafanout.media.domain.FailureCode;
import io.mediafanout.media.domain.MediaStatus;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/**
 * Branch progress rows. Each write is one statement that first takes its record's row lock ({@link #RECORD_LOCKED}):
 * the changes of one record are numbered in commit order (V10), and every transaction that writes a branch takes the
 * record's row before the branch's, so none waits for another the other way round.
 */
@ApplicationScoped
@WithSession
public class BranchRepository implements PanacheRepositoryBase<MediaBranch, MediaBranch.Key> {

    /**
     * The record's row lock, taken before the branch's row in the statement that writes it: the order every branch
     * write follows (the trigger that numbers a branch's change takes the record's row too, V10, in the same mode;
     * an upsert's trigger would take it before the branch's row, an update's after, so without this two attempts at
     * one branch could deadlock). A locking CTE is never inlined: it runs before the write reads any branch row.
     * What the statement checks of the record it reads from this row: a row locked after a wait is its newest
     * version, whereas any other read of the record in the statement sees it as it was when the statement began.
     * (The branch row an update writes was inserted by its branch's {@link #started}, committed before the update
     * began: visible to it.)
     */
    private static final String RECORD_LOCKED = "with record as (select id, status from media where id = :media "
            + "for no key update) ";

    /**
     * Records an attempt to create the task of {@code generation}. The recorded generation only moves forward, so a
     * late attempt of an older generation never takes it back. False, and nothing recorded, when the media record is
     * cancelled or missing (checked in the same statement).
     */
    public Uni<Boolean> started(String mediaId, String name, int generation) {
        return branchWrite(RECORD_LOCKED
                + "insert into media_branch (media_id, name, status, attempts, key_generation, started_at) "
                + "select cast(:media as varchar), cast(:name as varchar), :running, 1, cast(:generation as int), "
                + "now() from record where record.status <> :cancelled "
                + "on conflict (media_id, name) do update set status = :running, "
                + "attempts = media_branch.attempts + 1, "
                + "key_generation = greatest(media_branch.key_generation, :generation), "
                + "started_at = coalesce(media_branch.started_at, now()), updated_at = now()",
                "media", mediaId, "name", name, "generation", generation,
                        "running", BranchStatus.RUNNING.value(), "cancelled", MediaStatus.CANCELLED.value())
                .map(rows -> rows > 0);
    }

    public Uni<Integer> taskCreated(String mediaId, String name, String taskId) {
        return branchWrite(RECORD_LOCKED + "update media_branch set task_id = cast(:task as varchar), "
                + "updated_at = now() where media_id = (select id from record) and name = :name",
                "media", mediaId, "name", name, "task", taskId);
    }

    /** Records the branch's output; emits how long the branch took since its first task was created. */
    public Uni<Duration> completed(String mediaId, String name, String taskId, String outputUrl) {
        return branchWrite(RECORD_LOCKED + "update media_branch set status = :status, "
                + "task_id = cast(:task as varchar), output_url = cast(:output as text), error = null, "
                + "error_code = null, updated_at = now() where media_id = (select id from record) and name = :name",
                "media", mediaId, "name", name, "status", BranchStatus.COMPLETED.value(), "task", taskId,
                        "output", outputUrl)
                .chain(() -> sinceStart(mediaId, name));
    }

    /**
     * The task of {@code generation} ended without an output. Unless it was the last one, the branch moves to the
     * next generation with a compare-and-set: of two overlapping attempts that saw the same failed task, one moves it
     * and the other finds it moved, so the generation (and the next task's key) advances exactly once.
     */
    public Uni<Duration> taskEnded(String mediaId, String name, int generation, String error, FailureCode errorCode,
            boolean lastGeneration) {
        return branchWrite(RECORD_LOCKED + "update media_branch set status = :status, error = cast(:error as text), "
                + "error_code = :code, updated_at = now(), "
                + "key_generation = case when key_generation = :generation and not :last "
                + "then :generation + 1 else key_generation end "
                + "where media_id = (select id from record) and name = :name",
                "media", mediaId, "name", name,
                        "status", (lastGeneration ? BranchStatus.FAILED : BranchStatus.RETRYING).value(),
                        "error", error, "code", errorCode.code(), "generation", generation, "last", lastGeneration)
                .chain(() -> sinceStart(mediaId, name));
    }

    /** Records a failed attempt: {@code retrying}, or {@code failed} when no attempt will follow. */
    public Uni<Integer> failed(String mediaId, String name, String error, FailureCode errorCode, boolean fin) {
        return branchWrite(RECORD_LOCKED + "update media_branch set status = :status, error = cast(:error as text), "
                + "error_code = :code, updated_at = now() where media_id = (select id from record) and name = :name",
                "media", mediaId, "name", name,
                        "status", (fin ? BranchStatus.FAILED : BranchStatus.RETRYING).value(), "error", error,
                        "code", errorCode.code());
    }

    /** One branch write: its statement, with its parameters as name, value pairs (a value may be null); its rows. */
    private Uni<Integer> branchWrite(String sql, Object... parameters) {
        return getSession().chain(session -> {
            var query = session.createNativeQuery(sql);
            for (int i = 0; i < parameters.length; i += 2) {
                query.setParameter((String) parameters[i], parameters[i + 1]);
            }
            return query.executeUpdate();
        });
    }

    public Uni<List<MediaBranch>> forMedia(String mediaId) {
        return list("mediaId", Sort.ascending("name"), mediaId);
    }

    public Uni<List<MediaBranch>> forMedia(List<String> mediaIds) {
        return list("mediaId in ?1", Sort.ascending("mediaId", "name"), mediaIds);
    }

    private Uni<Duration> sinceStart(String mediaId, String name) {
        // a query, not SQL: a native select stores a new plan at every execution (QueryPlanCacheTests)
        return getSession().chain(session -> session.createSelectionQuery(
                "select startedAt from MediaBranch where mediaId = :media and name = :name", OffsetDateTime.class)
                .setParameter("media", mediaId).setParameter("name", name).getSingleResultOrNull())
                .map(started -> started == null ? Duration.ZERO
                        : Duration.between(started.toInstant(), java.time.Instant.now()));
    }
}
