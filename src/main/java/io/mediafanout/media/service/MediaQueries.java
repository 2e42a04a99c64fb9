package io.mediafanout.media.service;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.mediafanout.media.domain.Caller;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.domain.Outputs;
import io.mediafanout.media.repository.BranchRepository;
import io.mediafanout.media.repository.Media;
import io.mediafanout.media.repository.MediaBranch;
import io.mediafanout.media.repository.MediaRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;

/** Reading records: one with its branches, or a page, as the caller may see them. */
@ApplicationScoped
public class MediaQueries {

    /** A record with its branches, and the outputs it was asked for. */
    public record Details(Media media, List<MediaBranch> branches, Outputs outputs) {
    }

    private final MediaRepository media;
    private final BranchRepository branches;
    private final OutputOptions options;

    public MediaQueries(MediaRepository media, BranchRepository branches, OutputOptions options) {
        this.media = media;
        this.branches = branches;
        this.options = options;
    }

    /** The record's outputs: every branch with the current defaults for a record stored before outputs were. */
    public Outputs outputs(Media record) {
        return record.getOutputs() == null ? options.defaults() : record.getOutputs();
    }

    /** The record if {@code caller} may see it; {@link NotFoundException} otherwise (another owner's is no different). */
    public Uni<Media> visible(String id, Caller caller) {
        return media.findById(id).map(record -> {
            if (record == null || !caller.mayAccess(record.getOwner())) {
                throw new NotFoundException("no media record " + id);
            }
            return record;
        });
    }

    /** The record with its branches, if {@code caller} may see it; null otherwise (as for no record). */
    @WithSession
    public Uni<Details> details(String id, Caller caller) {
        return media.findById(id).chain(found -> found == null || !caller.mayAccess(found.getOwner())
                ? Uni.createFrom().nullItem()
                : branches.forMedia(id).map(rows -> new Details(found, rows, outputs(found))));
    }

    @WithSession
    public Uni<Details> details(String id) {
        return media.findById(id).chain(found -> found == null ? Uni.createFrom().nullItem()
                : branches.forMedia(id).map(rows -> new Details(found, rows, outputs(found))));
    }

    /** The newest records {@code caller} may see: its own, or every record for an admin. */
    @WithSession
    public Uni<List<Details>> page(MediaStatus status, int limit, Caller caller) {
        return media.page(status, caller.scope(), limit).chain(this::withTheirBranches);
    }

    /** The records with these ids and their branches, in one query however many (live progress reads so). */
    @WithSession
    public Uni<List<Details>> details(List<String> ids) {
        return media.withBranches(ids).map(found -> found.stream()
                .map(r -> new Details(r.media(), r.branches(), outputs(r.media()))).toList());
    }

    /** Up to {@code limit} ids of records changed after version {@code since} (live progress' re-sync). */
    @WithSession
    public Uni<List<String>> changedSince(long since, int limit) {
        return media.changedSince(since, limit);
    }

    /** The last version the change numbering gave (live progress' re-sync floor). */
    @WithSession
    public Uni<Long> lastVersion() {
        return media.lastVersion();
    }

    private Uni<List<Details>> withTheirBranches(List<Media> records) {
        if (records.isEmpty()) {
            return Uni.createFrom().item(List.<Details>of());
        }
        return branches.forMedia(records.stream().map(Media::getId).toList()).map(rows -> {
            Map<String, List<MediaBranch>> byMedia = rows.stream()
                    .collect(Collectors.groupingBy(MediaBranch::getMediaId));
            return records.stream()
                    .map(r -> new Details(r, byMedia.getOrDefault(r.getId(), List.of()), outputs(r))).toList();
        });
    }
}
