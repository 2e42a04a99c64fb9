package io.mediafanout.media.repository;

import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.FailureCode;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.domain.Outputs;

/** A media record: one uploaded video and what the pipeline made of it. */
@Entity
@Table(name = "media")
public class Media {

    @Id
    @Column(length = 128)
    private String id;

    @Column(nullable = false, length = 16)
    @Convert(converter = Columns.MediaStatusColumn.class)
    private MediaStatus status;

    @Column(name = "source_url", nullable = false, columnDefinition = "text")
    private String sourceUrl;

    /** The URL of each branch that made its output ({@code output_urls}, JSON keyed by branch id). */
    @Column(name = "output_urls", nullable = false, columnDefinition = "text")
    @Convert(converter = Columns.OutputUrlsColumn.class)
    private Map<Branch, String> outputUrls = Map.of();

    @Column(name = "failed_branch", length = 32)
    private String failedBranch;

    /** The detailed error (for operators; the API shows {@link #errorCode} and its short message). */
    @Column(columnDefinition = "text")
    private String error;

    @Column(name = "error_code", length = 32)
    @Convert(converter = Columns.FailureCodeColumn.class)
    private FailureCode errorCode;

    /** When the current round started (the upload, or the last reprocess). */
    @Column(name = "round_started_at", nullable = false, insertable = false)
    private OffsetDateTime roundStartedAt;

    /** When Inngest accepted the round's {@code video/uploaded} event; null until it did. */
    @Column(name = "event_sent_at", insertable = false)
    private OffsetDateTime eventSentAt;

    /** When the round's event was last sent (or tried). */
    @Column(name = "event_attempted_at", nullable = false, insertable = false)
    private OffsetDateTime eventAttemptedAt;

    /** The branches this record runs and their options, as the upload resolved them; null for records stored before. */
    @Column(columnDefinition = "text")
    @Convert(converter = Columns.OutputsColumn.class)
    private Outputs outputs;

    /** Set by the reconciler when it abandons the record: its {@code media/failed} is still to be sent. */
    @Column(name = "failed_event_due", nullable = false)
    private boolean failedEventDue;

    /** Where callbacks about this record go; null: the configured default. */
    @Column(name = "callback_url", columnDefinition = "text")
    private String callbackUrl;

    /**
     * Who uploaded it: the API key's name or the access token's owner claim; null for records stored before owners
     * existed or made by an event sent straight to Inngest (only {@code media:admin} callers see those).
     */
    @Column(length = 256, updatable = false)
    private String owner;

    /** Reprocessing rounds: 0 for the first run. */
    @Column(nullable = false)
    private int round;

    @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
    private OffsetDateTime createdAt;

    @Column(name = "updated_at", nullable = false, insertable = false)
    private OffsetDateTime updatedAt;

    /** The number of its last change (a sequence all records share), set by the database (V9): never written here. */
    @Column(insertable = false, updatable = false)
    private long version;

    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    public MediaStatus getStatus() {
        return status;
    }

    public void setStatus(MediaStatus status) {
        this.status = status;
    }

    public String getSourceUrl() {
        return sourceUrl;
    }

    public void setSourceUrl(String sourceUrl) {
        this.sourceUrl = sourceUrl;
    }

    /** The output URL of each branch that made one. */
    public Map<Branch, String> outputs() {
        return outputUrls;
    }

    /** Stores the output URL {@code branch} made. */
    public void setOutput(Branch branch, String url) {
        Map<Branch, String> urls = new EnumMap<>(Branch.class);
        urls.putAll(outputUrls);
        urls.put(branch, url);
        this.outputUrls = Collections.unmodifiableMap(urls); // a new value: Hibernate sees the change
    }

    public String getFailedBranch() {
        return failedBranch;
    }

    public void setFailedBranch(String failedBranch) {
        this.failedBranch = failedBranch;
    }

    public String getError() {
        return error;
    }

    public void setError(String error) {
        this.error = error;
    }

    public FailureCode getErrorCode() {
        return errorCode;
    }

    public void setErrorCode(FailureCode errorCode) {
        this.errorCode = errorCode;
    }

    public OffsetDateTime getRoundStartedAt() {
        return roundStartedAt;
    }

    public OffsetDateTime getEventSentAt() {
        return eventSentAt;
    }

    /** A new round starts now: its event is not sent yet. */
    public void startRound(int round) {
        OffsetDateTime now = OffsetDateTime.now();
        this.round = round;
        this.roundStartedAt = now;
        this.eventAttemptedAt = now;
        this.eventSentAt = null;
        this.updatedAt = now;
    }

    public Outputs getOutputs() {
        return outputs;
    }

    public void setOutputs(Outputs outputs) {
        this.outputs = outputs;
    }

    public boolean isFailedEventDue() {
        return failedEventDue;
    }

    public void setFailedEventDue(boolean failedEventDue) {
        this.failedEventDue = failedEventDue;
    }

    public String getCallbackUrl() {
        return callbackUrl;
    }

    public void setCallbackUrl(String callbackUrl) {
        this.callbackUrl = callbackUrl;
    }

    public String getOwner() {
        return owner;
    }

    /** Whether {@code caller} may see and act on this record: its owner, or an admin. */
    public boolean visibleTo(String caller, boolean admin) {
        return admin || (owner != null && owner.equals(caller));
    }

    public int getRound() {
        return round;
    }

    public void setRound(int round) {
        this.round = round;
    }

    public OffsetDateTime getCreatedAt() {
        return createdAt;
    }

    public OffsetDateTime getUpdatedAt() {
        return updatedAt;
    }

    public void touch() {
        this.updatedAt = OffsetDateTime.now();
    }

    /** The number of the row's last change, as read (see {@code V9__live_changes.sql}). */
    public long getVersion() {
        return version;
    }
}
