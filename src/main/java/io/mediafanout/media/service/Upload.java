package io.mediafanout.media.service;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The data of a {@code video/uploaded} event, validated: {@code {mediaId, sourceUrl, round?, branches?, options?}}
 * ({@code branches} and {@code options} as {@link OutputOptions} reads them; the defaults when absent).
 */
public record Upload(String mediaId, String sourceUrl, int round, Outputs outputs) {

    /** Longest source URL accepted (presigned storage URLs are long, but not this long). */
    public static final int MAX_SOURCE_URL = 8 * 1024;

    /** Ids we accept: safe in URLs and logs. */
    public static final Pattern MEDIA_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

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

    public static Upload fromEvent(JsonNode data, OutputOptions options) {
        JsonNode mediaId = data.get("mediaId");
        JsonNode sourceUrl = data.get("sourceUrl");
        JsonNode round = data.get("round");
        if (round != null && !round.isNull() && !(round.canConvertToInt() && round.asInt() >= 0)) {
            throw new InvalidUploadException("event.data.round", "event.data.round must be a whole number >= 0");
        }
        return new Upload(requireText(mediaId, "event.data.mediaId"), requireText(sourceUrl, "event.data.sourceUrl"),
                round == null || round.isNull() ? 0 : round.asInt(),
                data.path("resolved").asBoolean(false)
                        ? options.resolveComplete(data.get("branches"), data.get("options"), "event.data.")
                        : options.resolve(data.get("branches"), data.get("options"), "event.data."));
    }

    private static String requireText(JsonNode value, String field) {
        if (value == null || value.isNull()) {
            throw new InvalidUploadException(field, field + " is required");
        }
        if (!value.isTextual()) {
            throw new InvalidUploadException(field, field + " must be a string");
        }
        return value.asText();
    }

    public Upload {
        java.util.Objects.requireNonNull(outputs, "outputs");
        validateMediaId(mediaId, "mediaId");
        validateSourceUrl(sourceUrl, "sourceUrl");
    }

    public static void validateMediaId(String mediaId, String field) {
        if (mediaId == null || mediaId.isBlank()) {
            throw new InvalidUploadException(field, field + " must be a non-empty string");
        }
        if (!MEDIA_ID.matcher(mediaId).matches()) {
            throw new InvalidUploadException(field,
                    field + " may only contain letters, digits, '.', '_' and '-' (at most 128 characters)");
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
