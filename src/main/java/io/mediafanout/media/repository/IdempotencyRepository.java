package io.mediafanout.media.repository;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.hibernate.reactive.mutiny.Mutiny;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * {@code Idempotency-Key}s of the media API ({@code idempotency_key}): per owner, for {@link #WINDOW_HOURS} hours,
 * the record a key made and a fingerprint of the request that first used it. Runs in the caller's transaction, so a
 * key is stored with the record it made or not at all.
 */
@ApplicationScoped
public class IdempotencyRepository {

    /** How long a key is remembered. */
    public static final int WINDOW_HOURS = 24;

    /** A key as stored: the first request's fingerprint, its record, and its answer's status (null: not answered). */
    public record StoredKey(String fingerprint, String mediaId, Integer statusCode) {
    }

    /**
     * Takes {@code key} for this request unless it is held: empty when it was free (new, or remembered longer than
     * the window) and is now this request's, else the key as the first request left it. A concurrent first use
     * waits for that request's transaction (PostgreSQL's {@code on conflict}), so two requests never both take it.
     */
    public Uni<Optional<StoredKey>> take(String owner, String key, String fingerprint, String mediaId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "insert into idempotency_key (owner, key, fingerprint, media_id) values (:owner, :key, :fp, :media) "
                        + "on conflict (owner, key) do update set fingerprint = excluded.fingerprint, "
                        + "media_id = excluded.media_id, status_code = null, created_at = now() "
                        + "where idempotency_key.created_at < now() - make_interval(hours => " + WINDOW_HOURS + ")")
                .setParameter("owner", owner).setParameter("key", key).setParameter("fp", fingerprint)
                .setParameter("media", mediaId).executeUpdate()
                .chain(taken -> taken == 1 ? Uni.createFrom().item(Optional.<StoredKey>empty())
                        : find(session, owner, key).map(Optional::of)));
    }

    private static Uni<StoredKey> find(Mutiny.Session session, String owner, String key) {
        return session.createNativeQuery("select fingerprint, media_id, status_code from idempotency_key "
                + "where owner = :owner and key = :key", Object[].class)
                .setParameter("owner", owner).setParameter("key", key).getSingleResult()
                .map(row -> new StoredKey((String) row[0], (String) row[1],
                        row[2] == null ? null : ((Number) row[2]).intValue()));
    }

    /** The request that took {@code key} was answered with {@code status}: repeats get the same answer. */
    public Uni<Void> answered(String owner, String key, int status) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "update idempotency_key set status_code = :status where owner = :owner and key = :key")
                .setParameter("status", status).setParameter("owner", owner).setParameter("key", key)
                .executeUpdate()).replaceWithVoid();
    }

    /** Forgets up to {@code limit} keys older than the window; returns how many. */
    public Uni<Integer> forgetExpired(int limit) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "delete from idempotency_key where ctid = any(array(select ctid from idempotency_key "
                        + "where created_at < now() - make_interval(hours => " + WINDOW_HOURS + ") limit :limit))")
                .setParameter("limit", limit).executeUpdate());
    }
}
