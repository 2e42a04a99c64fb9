package io.mediafanout.media.domain;

/**
 * Who makes a request of the media API: the owner its records belong to (an API key's name or an access token's
 * owner claim) and whether it may act on every record ({@code media:admin}).
 */
public record Caller(String owner, boolean admin) {

    /** Whether this caller may see and act on a record owned by {@code recordOwner} (null: no owner). */
    public boolean mayAccess(String recordOwner) {
        return admin || (recordOwner != null && recordOwner.equals(owner));
    }

    /** The owner a query filters on: none for an admin, who sees every record. */
    public String scope() {
        return admin ? null : owner;
    }
}
