package io.mediafanout.media.repository;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** Branch progress rows. Each update is one statement, so concurrent branches never conflict. */
@ApplicationScoped
@WithSession
public class BranchRepository implements PanacheRepositoryBase<MediaBranch, MediaBranch.Key> {

    /** Records the start of an attempt; emits the key generation to use for the task. */
    public Uni<Integer> started(String mediaId, String name) {
        return getSession().chain(session -> session.createNativeQuery(
                "insert into media_branch (media_id, name, status, attempts) values (:media, :name, 'running', 1) "
                        + "on conflict (media_id, name) do update set status = 'running', "
                        + "attempts = media_branch.attempts + 1, updated_at = now()")
                .setParameter("media", mediaId).setParameter("name", name).executeUpdate()
                .chain(() -> session.createNativeQuery(
                        "select key_generation from media_branch where media_id = :media and name = :name",
                        Integer.class)
                        .setParameter("media", mediaId).setParameter("name", name).getSingleResult()));
    }

    public Uni<Integer> taskCreated(String mediaId, String name, String taskId) {
        return update("taskId = ?1, updatedAt = current_timestamp where mediaId = ?2 and name = ?3",
                taskId, mediaId, name);
    }

    public Uni<Integer> completed(String mediaId, String name, String taskId, String outputUrl) {
        return update("status = ?1, taskId = ?2, outputUrl = ?3, error = null, updatedAt = current_timestamp "
                + "where mediaId = ?4 and name = ?5", MediaBranch.COMPLETED, taskId, outputUrl, mediaId, name);
    }

    /**
     * Records a failed attempt. When the task itself ended failed, the key generation moves on so the next attempt
     * creates a new task instead of finding the failed one again.
     */
    public Uni<Integer> failed(String mediaId, String name, String error, boolean finalAttempt, boolean taskFailed) {
        return update("status = ?1, error = ?2, keyGeneration = keyGeneration + ?3, updatedAt = current_timestamp "
                + "where mediaId = ?4 and name = ?5", finalAttempt ? MediaBranch.FAILED : MediaBranch.RETRYING,
                error, taskFailed ? 1 : 0, mediaId, name);
    }

    public Uni<List<MediaBranch>> forMedia(String mediaId) {
        return list("mediaId", Sort.ascending("name"), mediaId);
    }

    public Uni<List<MediaBranch>> forMedia(List<String> mediaIds) {
        return list("mediaId in ?1", Sort.ascending("mediaId", "name"), mediaIds);
    }
}
