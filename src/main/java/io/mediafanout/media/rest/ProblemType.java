package io.mediafanout.media.rest;

import java.util.Arrays;

/**
 * Every kind of error the media API answers, once: its stable {@code code}, HTTP status and title. A problem's
 * {@code type} is {@value #TYPE_PREFIX}{@code <code>} (docs/api.md, "Errors", lists them all).
 */
public enum ProblemType {
    BAD_REQUEST("bad_request", 400, "The request is invalid"),
    UNAUTHORIZED("unauthorized", 401, "Credentials are required"),
    FORBIDDEN("forbidden", 403, "These credentials may not do this"),
    NOT_FOUND("not_found", 404, "No such resource"),
    METHOD_NOT_ALLOWED("method_not_allowed", 405, "This method is not allowed here"),
    NOT_ACCEPTABLE("not_acceptable", 406, "No representation matches the Accept header"),
    CONFLICT("conflict", 409, "The request conflicts with the record as it is"),
    PAYLOAD_TOO_LARGE("payload_too_large", 413, "The request body is too large"),
    UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", 415, "The body's Content-Type is not accepted here"),
    IDEMPOTENCY_KEY_REUSED("idempotency_key_reused", 422, "The Idempotency-Key was used for another request"),
    RATE_LIMITED("rate_limited", 429, "Too many requests with these credentials"),
    TOO_MANY_IN_PROGRESS("too_many_in_progress", 429, "Too many uploads in processing"),
    TOO_MANY_STREAMS("too_many_streams", 429, "Too many streams open"),
    INTERNAL_ERROR("internal_error", 500, "The request could not be completed"),
    UNAVAILABLE("unavailable", 503, "The service cannot do this right now");

    /** A URN, stable and documented: the problem's identity for clients, not a page to fetch. */
    public static final String TYPE_PREFIX = "urn:media-fanout:problem:";

    private final String code;
    private final int status;
    private final String title;

    ProblemType(String code, int status, String title) {
        this.code = code;
        this.status = status;
        this.title = title;
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String type() {
        return TYPE_PREFIX + code;
    }

    /** The kind answered with {@code status} when nothing more specific is known (the first of that status). */
    public static ProblemType forStatus(int status) {
        return Arrays.stream(values()).filter(kind -> kind.status == status).findFirst()
                .orElse(status >= 500 ? INTERNAL_ERROR : BAD_REQUEST);
    }
}
