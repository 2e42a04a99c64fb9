package io.mediafanout.media.repository;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.mediafanout.media.domain.FailureCode;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.domain.Outputs;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/**
 * Media records. Writes that can race (several branches at once) are single upsert statements. What runs often is a
 * query (HQL) or a statement whose row count is its answer, never a native select: Hibernate Reactive 3.2 stores a new
 * plan at every execution of a native select, all under one hash (QueryPlanCacheTests).
 */
@ApplicationScoped
@WithSession
public class MediaRepository implements PanacheRepositoryBase<Media, String> {

    /** The advisory lock key of the reconciler (any constant unique to this application's database). */
    static final long RECONCILER_LOCK = 0x6d65646961726563L; // "mediarec"

    /**
     * Creates the record in {@code processing} unless it exists, with its owner, outputs and callback URL (may be
     * null); tells whether it was created.
     */
    public Uni<Boolean> insertIfAbsent(String id, String owner, String sourceUrl, Outputs outputs, String callbackUrl) {
        return getSession().chain(session -> session.createNativeQuery(
                "insert into media (id, owner, status, source_url, outputs, callback_url) "
                        + "values (:id, :owner, :processing, :source, :outputs, :callback) on conflict (id) do nothing")
                .setParameter("id", id).setParameter("owner", owner).setParameter("source", sourceUrl)
                .setParameter("processing", MediaStatus.PROCESSING.value())
                .setParameter("outputs", OUTPUTS.convertToDatabaseColumn(outputs)).setParameter("callback", callbackUrl)
                .executeUpdate())
                .map(rows -> rows == 1);
    }

    private static final Columns.OutputsColumn OUTPUTS = new Columns.OutputsColumn();

    /** The record's status, null without such a record: one query, nothing written. */
    public Uni<MediaStatus> status(String id) {
        return getSession().chain(session -> session.createSelectionQuery("select status from Media where id = :id",
                MediaStatus.class).setParameter("id", id).getSingleResultOrNull());
    }

    /**
     * The class id of the per-owner admission locks ({@code pg_advisory_xact_lock(int4, int4)}: a lock space apart
     * from the single-key {@link #RECONCILER_LOCK}); the second key is {@code hashtext(owner)}.
     */
    public static final int OWNER_ADMISSION_LOCK_CLASS = 0x6d666f61; // "mfoa"

    /**
     * Takes the owner's admission lock until the current transaction ends (waiting for another admission of the same
     * owner to commit or roll back), then counts the owner's records in {@code processing} other than {@code id}
     * (read through the partial index {@code media_owner_processing}, V8). Two owners whose names hash alike only
     * share a lock, never a count.
     */
    public Uni<Long> lockOwnerAndCountProcessing(String owner, String id) {
        return getSession().chain(session -> session.createNativeQuery(
                "select 1 from (select pg_advisory_xact_lock(:lockClass, hashtext(:owner))) locked")
                .setParameter("lockClass", OWNER_ADMISSION_LOCK_CLASS).setParameter("owner", owner).executeUpdate()
                // a new statement, so its snapshot sees what the previous holder of the lock committed
                .chain(locked -> session.createSelectionQuery(
                        "select count(*) from Media where owner = :owner and status = :processing and id <> :id",
                        Long.class)
                        .setParameter("owner", owner).setParameter("processing", MediaStatus.PROCESSING)
                        .setParameter("id", id).getSingleResult()));
    }

    /** A record and its branches (by name), as one read found them. */
    public record WithBranches(Media media, List<MediaBranch> branches) {
    }

    /**
     * The records with these ids and their branches, in one query, read only (nothing read here is written back, so
     * Hibernate keeps no copy to compare): what live progress reads at every change of a watched record.
     */
    public Uni<List<WithBranches>> withBranches(List<String> ids) {
        return getSession().chain(session -> session.createSelectionQuery("select m, b from Media m "
                + "left join MediaBranch b on b.mediaId = m.id where m.id in :ids order by m.id, b.name", Object[].class)
                .setParameter("ids", ids).setReadOnly(true).getResultList())
                .map(rows -> {
                    Map<String, WithBranches> found = new LinkedHashMap<>();
                    for (Object[] row : rows) {
                        Media record = (Media) row[0];
                        WithBranches entry = found.computeIfAbsent(record.getId(),
                                id -> new WithBranches(record, new java.util.ArrayList<>()));
                        if (row[1] != null) {
                            entry.branches().add((MediaBranch) row[1]);
                        }
                    }
                    return List.copyOf(found.values());
                });
    }

    /**
     * Up to {@code limit} ids of records changed after version {@code since} (their row's or a branch's): what live
     * progress reads again after its notices were lost. Not indexed: it runs only when a replica's {@code LISTEN}
     * connection comes back.
     */
    public Uni<List<String>> changedSince(long since, int limit) {
        return getSession().chain(session -> session.createNativeQuery(
                "select id from media where version > :since union select media_id from media_branch "
                        + "where version > :since limit :limit", String.class)
                .setParameter("since", since).setParameter("limit", limit).getResultList());
    }

    /** The last version the change numbering gave ({@code media_change_seq}, V9): every later change is above it. */
    public Uni<Long> lastVersion() {
        return getSession().chain(session -> session.createNativeQuery(
                "select case when is_called then last_value else last_value - 1 end from media_change_seq", Long.class)
                .getSingleResult());
    }

    /** Inngest accepted the {@code video/uploaded} event of the record's round {@code round}. */
    public Uni<Void> eventSent(String id, int round) {
        return getSession().chain(session -> session.createNativeQuery(
                "update media set event_sent_at = now() where id = :id and round = :round and event_sent_at is null")
                .setParameter("id", id).setParameter("round", round).executeUpdate()).replaceWithVoid();
    }

    /** The event of the record's round {@code round} was just sent (or tried) without Inngest accepting it. */
    public Uni<Void> eventAttempted(String id, int round) {
        return getSession().chain(session -> session.createNativeQuery(
                "update media set event_attempted_at = now() where id = :id and round = :round and event_sent_at is null")
                .setParameter("id", id).setParameter("round", round).executeUpdate()).replaceWithVoid();
    }

    /**
     * Takes the reconciler's lock until the current transaction ends: false when another replica holds it (a
     * PostgreSQL advisory lock, so it is released when the transaction or its connection ends, even by a crash).
     */
    public Uni<Boolean> tryReconcilerLock() {
        return getSession().chain(session -> session
                .createNativeQuery("select 1 where pg_try_advisory_xact_lock(:key)")
                .setParameter("key", RECONCILER_LOCK).executeUpdate())
                .map(rows -> rows == 1);
    }

    /**
     * Marks the records still processing in a round that started more than {@code maxAge} ago failed with the
     * given code; returns their ids. Ages are measured with the database's clock, as the timestamps were written.
     */
    public Uni<List<String>> abandon(Duration maxAge, FailureCode code, String error) {
        return getSession().chain(session -> session.createNativeQuery(
                "update media set status = :failed, error_code = :code, error = :error, updated_at = now(), "
                        + "failed_event_due = true "
                        + "where status = :processing and round_started_at < now() - make_interval(secs => :age) "
                        + "returning id", String.class)
                .setParameter("failed", MediaStatus.FAILED.value()).setParameter("processing", MediaStatus.PROCESSING.value())
                .setParameter("code", code.code()).setParameter("error", error).setParameter("age", seconds(maxAge))
                .getResultList());
    }

    /** A record whose event is to be sent again: its id, source, round, outputs (null for old records) and owner. */
    public record Unsent(String id, String sourceUrl, int round, Outputs outputs, String owner) {
    }

    /**
     * Claims up to {@code limit} processing records whose event Inngest has not accepted, last tried more than
     * {@code retryAfter} ago, in a round that started less than {@code window} ago: their attempt time becomes now,
     * so no other pass claims them again before {@code retryAfter} has passed once more.
     */
    public Uni<List<Unsent>> claimUnsent(Duration retryAfter, Duration window, int limit) {
        return getSession().chain(session -> session.createNativeQuery(
                "update media set event_attempted_at = now() where id in (select id from media "
                        + "where status = :processing and event_sent_at is null "
                        + "and event_attempted_at < now() - make_interval(secs => :retry) "
                        + "and round_started_at > now() - make_interval(secs => :window) order by round_started_at limit :limit "
                        + "for update skip locked) returning id, source_url, round, outputs, owner", Object[].class)
                .setParameter("processing", MediaStatus.PROCESSING.value())
                .setParameter("retry", seconds(retryAfter)).setParameter("window", seconds(window))
                .setParameter("limit", limit).getResultList())
                .map(rows -> rows.stream().map(row -> new Unsent((String) row[0], (String) row[1],
                        ((Number) row[2]).intValue(), OUTPUTS.convertToEntityAttribute((String) row[3]), (String) row[4]))
                        .toList());
    }

    /** A failed record whose {@code media/failed} event Inngest has not accepted yet: its id, round and code. */
    public record FailedEventDue(String id, int round, FailureCode code, String owner) {
    }

    /** Up to {@code limit} failed records owing their {@code media/failed} event (see {@link #abandon}). */
    public Uni<List<FailedEventDue>> failedEventsDue(int limit) {
        return getSession().chain(session -> session.createNativeQuery(
                "select id, round, error_code, owner from media where failed_event_due and status = :failed "
                        + "order by updated_at limit :limit", Object[].class)
                .setParameter("failed", MediaStatus.FAILED.value()).setParameter("limit", limit).getResultList())
                .map(rows -> rows.stream().map(row -> new FailedEventDue((String) row[0],
                        ((Number) row[1]).intValue(), FailureCode.of((String) row[2]), (String) row[3])).toList());
    }

    /** Inngest accepted the {@code media/failed} event of these records. */
    public Uni<Void> failedEventsSent(List<String> ids) {
        return getSession().chain(session -> session.createNativeQuery(
                "update media set failed_event_due = false where id = any(:ids)")
                .setParameter("ids", ids.toArray(String[]::new)).executeUpdate()).replaceWithVoid();
    }

    /** What claiming a callback delivery found: claimed now, delivered before, or leased by another attempt. */
    public record CallbackClaim(boolean claimed, boolean delivered, Duration leaseLeft) {
    }

    /**
     * Claims the callback delivery {@code id} for {@code lease}, unless it was delivered or another attempt's lease
     * on it has not run out: only the holder of a claim sends it, so two replicas or retries never send it at once.
     */
    public Uni<CallbackClaim> claimCallback(String id, String mediaId, String kind, Duration lease) {
        return getSession().chain(session -> session.createNativeQuery(
                "insert into callback_delivery (id, media_id, kind, leased_until) "
                        + "values (:id, :media, :kind, now() + make_interval(secs => :lease)) "
                        + "on conflict (id) do update set leased_until = excluded.leased_until, "
                        + "attempts = callback_delivery.attempts + 1 where callback_delivery.delivered_at is null "
                        + "and (callback_delivery.leased_until is null or callback_delivery.leased_until < now())")
                .setParameter("id", id).setParameter("media", mediaId).setParameter("kind", kind)
                .setParameter("lease", seconds(lease)).executeUpdate()
                .chain(claimed -> claimed == 1 ? Uni.createFrom().item(new CallbackClaim(true, false, Duration.ZERO))
                        : session.createNativeQuery("select delivered_at is not null, "
                                + "greatest(0, extract(epoch from leased_until - now()))::float8 "
                                + "from callback_delivery where id = :id", Object[].class)
                                .setParameter("id", id).getSingleResult()
                                .map(row -> new CallbackClaim(false, (Boolean) row[0], Duration.ofMillis(
                                        row[1] == null ? 0 : (long) (((Number) row[1]).doubleValue() * 1000))))));
    }

    /** The callback delivery {@code id} was delivered: a receiver answered {@code status}. */
    public Uni<Void> callbackDelivered(String id, int status) {
        return getSession().chain(session -> session.createNativeQuery(
                "update callback_delivery set delivered_at = now(), status_code = :status, leased_until = null "
                        + "where id = :id")
                .setParameter("id", id).setParameter("status", status).executeUpdate()).replaceWithVoid();
    }

    /** The attempt holding the claim on {@code id} ended without a delivery: the next one need not wait. */
    public Uni<Void> releaseCallback(String id) {
        return getSession().chain(session -> session.createNativeQuery(
                "update callback_delivery set leased_until = null where id = :id and delivered_at is null")
                .setParameter("id", id).executeUpdate()).replaceWithVoid();
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }

    /** The newest records, of one status ({@code null}: any) and one owner ({@code null}: every owner). */
    public Uni<List<Media>> page(MediaStatus status, String owner, int limit) {
        Sort newestFirst = Sort.descending("createdAt").and("id", Sort.Direction.Descending);
        Map<String, Object> where = new LinkedHashMap<>();
        if (status != null) {
            where.put("status", status);
        }
        if (owner != null) {
            where.put("owner", owner);
        }
        String query = String.join(" and ", where.keySet().stream().map(k -> k + " = :" + k).toList());
        return (where.isEmpty() ? findAll(newestFirst) : find(query, newestFirst, where))
                .page(Page.ofSize(limit)).list();
    }
}
