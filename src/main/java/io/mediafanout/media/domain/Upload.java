package io.mediafanout.media.domain;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a run processes: one record's round, with its source and outputs, as the API stored it (or as a
 * {@code video/uploaded} event from another app was validated, once, where its run starts).
 *
 * @param owner the record's owner, which the run's events carry (Inngest's per-owner limits key on it); null for
 *        an upload another app sent, or a record without owner
 */
public record Upload(String mediaId, String sourceUrl, int round, Outputs outputs, String owner) {

    /** Longest source URL accepted (presigned storage URLs are long, but not this long). */
    public static final int MAX_SOURCE_URL = 8 * 1024;

    /** Ids we accept: safe in URLs and logs. */
    /** A media id: letters, digits, '.', '_' and '-', at most 128; never {@code events} (a route: the caller's stream). */
    public static final Pattern MEDIA_ID = Pattern.compile("(?!events$)[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** Why a value is not acceptable, naming the field (open for {@code CallbackUrls.UnresolvedHostException}). */
    public static class InvalidUploadException extends IllegalArgumentException {
        private final String field;

        public InvalidUploadException(String field, String message) {
            super(message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /**
     * An upload another app sent, checked: the one place its id and source are validated (the API checks its own
     * request the same way, with these rules). It has no owner. What was stored is read back with the constructor.
     */
    public static Upload checked(String mediaId, String sourceUrl, int round, Outputs outputs, String prefix) {
        validateMediaId(mediaId, prefix + "mediaId");
        validateSourceUrl(sourceUrl, prefix + "sourceUrl");
        return new Upload(mediaId, sourceUrl, round, outputs, null);
    }

    public static void validateMediaId(String mediaId, String field) {
        if (mediaId == null || mediaId.isBlank()) {
            throw new InvalidUploadException(field, field + " must be a non-empty string");
        }
        if (!MEDIA_ID.matcher(mediaId).matches()) {
            throw new InvalidUploadException(field,
                    field + " may only contain letters, digits, '.', '_' and '-' (at most 128 characters), and may not be "
                            + "'events'");
        }
    }

    public static void validateSourceUrl(String sourceUrl, String field) {
        if (sourceUrl == null || sourceUrl.isBlank()) {
            throw new InvalidUploadException(field, field + " must be a non-empty string");
        }
        if (sourceUrl.length() > MAX_SOURCE_URL) {
            throw new InvalidUploadException(field, field + " is longer than " + MAX_SOURCE_URL + " characters");
        }
        URI uri;
        try {
            uri = URI.create(sourceUrl);
        } catch (IllegalArgumentException e) {
            throw new InvalidUploadException(field, field + " is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new InvalidUploadException(field, field + " must be an http(s) URL");
        }
    }
}
