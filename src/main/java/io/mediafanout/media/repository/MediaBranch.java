package io.mediafanout.media.repository;

import java.io.Serializable;
import java.time.OffsetDateTime;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.mediafanout.media.domain.BranchStatus;
import io.mediafanout.media.domain.FailureCode;

/** Progress of one branch (hls-package, poster-image…) of a media record, written as it happens. */
@Entity
@Table(name = "media_branch")
@IdClass(MediaBranch.Key.class)
public class MediaBranch {

    /** Composite key: media id and branch name. */
    public static class Key implements Serializable {
        public String mediaId;
        public String name;

        public Key() {
        }

        public Key(String mediaId, String name) {
            this.mediaId = mediaId;
            this.name = name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(mediaId, k.mediaId) && Objects.equals(name, k.name);
        }

        @Override
        public int hashCode() {
            return Objects.hash(mediaId, name);
        }
    }

    @Id
    @Column(name = "media_id", length = 128)
    private String mediaId;

    @Id
    @Column(length = 32)
    private String name;

    @Column(nullable = false, length = 16)
    @Convert(converter = Columns.BranchStatusColumn.class)
    private BranchStatus status;

    @Column(name = "task_id", length = 128)
    private String taskId;

    @Column(name = "output_url", columnDefinition = "text")
    private String outputUrl;

    @Column(nullable = false)
    private int attempts;

    @Column(columnDefinition = "text")
    private String error;

    /** The stable code of {@link #error} ({@code FailureCode}), which is what the API shows. */
    @Column(name = "error_code", length = 32)
    @Convert(converter = Columns.FailureCodeColumn.class)
    private FailureCode errorCode;

    @Column(name = "key_generation", nullable = false)
    private int keyGeneration;

    @Column(name = "updated_at", nullable = false, insertable = false)
    private OffsetDateTime updatedAt;

    /** When the branch's first task was asked for (set by the database with the row: V2): never written here. */
    @Column(name = "started_at", insertable = false, updatable = false)
    private OffsetDateTime startedAt;

    /** The number of its last change (a sequence all records share), set by the database (V9): never written here. */
    @Column(insertable = false, updatable = false)
    private long version;

    public String getMediaId() {
        return mediaId;
    }

    public String getName() {
        return name;
    }

    public BranchStatus getStatus() {
        return status;
    }

    public String getTaskId() {
        return taskId;
    }

    public String getOutputUrl() {
        return outputUrl;
    }

    public int getAttempts() {
        return attempts;
    }

    public String getError() {
        return error;
    }

    public FailureCode getErrorCode() {
        return errorCode;
    }

    public int getKeyGeneration() {
        return keyGeneration;
    }

    public OffsetDateTime getUpdatedAt() {
        return updatedAt;
    }

    /** The number of the row's last change, as read (see {@code V9__live_changes.sql}). */
    public long getVersion() {
        return version;
    }
}
