package io.mediafanout.media.repository;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** Media records. Writes that can race (several branches at once) are single upsert statements. */
@ApplicationScoped
@WithSession
public class MediaRepository implements PanacheRepositoryBase<Media, String> {

    /** The advisory lock key of the reconciler (any constant unique to this application's database). */
    static final long RECONCILER_LOCK = 0x6d65646961726563L; // "mediarec"

    /**
     * Creates the record in {@code processing} unless it exists, with its outputs (JSON) and callback URL (may be
     * null); tells whether it was created.
     */
    public Uni<Boolean> insertIfAbsent(String id, String sourceUrl, String outputs, String callbackUrl) {
        return getSession().chain(session -> session.createNativeQuery(
                "insert into media (id, status, source_url, outputs, callback_url) "
                        + "values (:id, 'processing', :source, :outputs, :callback) on conflict (id) do nothing")
                .setParameter("id", id).setParameter("source", sourceUrl).setParameter("outputs", outputs)
                .setParameter("callback", callbackUrl).executeUpdate())
                .map(rows -> rows == 1);
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
                .createNativeQuery("select pg_try_advisory_xact_lock(:key)", Boolean.class)
                .setParameter("key", RECONCILER_LOCK).getSingleResult());
    }

    /**
     * Marks the records still processing in a round that started more than {@code maxAge} ago failed with the
     * given code; returns their ids. Ages are measured with the database's clock, as the timestamps were written.
     */
    public Uni<List<String>> abandon(Duration maxAge, String code, String error) {
        return getSession().chain(session -> session.createNativeQuery(
                "update media set status = 'failed', error_code = :code, error = :error, updated_at = now() "
                        + "where status = 'processing' and round_started_at < now() - make_interval(secs => :age) "
                        + "returning id", String.class)
                .setParameter("code", code).setParameter("error", error).setParameter("age", seconds(maxAge))
                .getResultList());
    }

    /** A record whose event is to be sent again: its id, source, round and outputs (JSON, null for old records). */
    public record Unsent(String id, String sourceUrl, int round, String outputs) {
    }

    /**
     * Claims up to {@code limit} processing records whose event Inngest has not accepted, last tried more than
     * {@code retryAfter} ago, in a round that started less than {@code window} ago: their attempt time becomes now,
     * so no other pass claims them again before {@code retryAfter} has passed once more.
     */
    public Uni<List<Unsent>> claimUnsent(Duration retryAfter, Duration window, int limit) {
        return getSession().chain(session -> session.createNativeQuery(
                "update media set event_attempted_at = now() where id in (select id from media "
                        + "where status = 'processing' and event_sent_at is null "
                        + "and event_attempted_at < now() - make_interval(secs => :retry) "
                        + "and round_started_at > now() - make_interval(secs => :window) order by round_started_at limit :limit "
                        + "for update skip locked) returning id, source_url, round, outputs", Object[].class)
                .setParameter("retry", seconds(retryAfter)).setParameter("window", seconds(window))
                .setParameter("limit", limit).getResultList())
                .map(rows -> rows.stream().map(row -> new Unsent((String) row[0], (String) row[1],
                        ((Number) row[2]).intValue(), (String) row[3])).toList());
    }

    /** Whether the callback delivery {@code id} was delivered (a receiver answered 2xx). */
    public Uni<Boolean> callbackDelivered(String id) {
        return getSession().chain(session -> session.createNativeQuery(
                "select count(*) from callback_delivery where id = :id", Long.class)
                .setParameter("id", id).getSingleResult()).map(count -> count > 0);
    }

    /** Records that the callback delivery {@code id} was delivered; a second record of it changes nothing. */
    public Uni<Void> callbackDelivered(String id, String mediaId, String kind, int status) {
        return getSession().chain(session -> session.createNativeQuery(
                "insert into callback_delivery (id, media_id, kind, status_code) values (:id, :media, :kind, :status) "
                        + "on conflict (id) do nothing")
                .setParameter("id", id).setParameter("media", mediaId).setParameter("kind", kind)
                .setParameter("status", status).executeUpdate()).replaceWithVoid();
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }

    public Uni<List<Media>> page(String status, int limit) {
        Sort newestFirst = Sort.descending("createdAt").and("id", Sort.Direction.Descending);
        return (status == null ? findAll(newestFirst) : find("status", newestFirst, status))
                .page(Page.ofSize(limit)).list();
    }
}
