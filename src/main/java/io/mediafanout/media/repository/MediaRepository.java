package io.mediafanout.media.repository;

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

    /** Creates the record in {@code processing} unless it exists; tells whether it was created. */
    public Uni<Boolean> insertIfAbsent(String id, String sourceUrl) {
        return getSession().chain(session -> session.createNativeQuery(
                "insert into media (id, status, source_url) values (:id, 'processing', :source) on conflict (id) do nothing")
                .setParameter("id", id).setParameter("source", sourceUrl).executeUpdate())
                .map(rows -> rows == 1);
    }

    public Uni<List<Media>> page(String status, int limit) {
        Sort newestFirst = Sort.descending("createdAt").and("id", Sort.Direction.Descending);
        return (status == null ? findAll(newestFirst) : find("status", newestFirst, status))
                .page(Page.ofSize(limit)).list();
    }
}
