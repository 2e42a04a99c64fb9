package io.mediafanout.media.rest;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The body of every error of the media API: RFC 9457 problem details ({@value #MEDIA_TYPE}), with our stable
 * {@code code} and, for invalid input, which fields are wrong. {@code instance} is the request's path, set as the
 * answer leaves ({@link ErrorMappers#problemsAreProblemJson}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@RegisterForReflection
@Schema(name = "Problem", description = "RFC 9457 problem details, as application/problem+json")
public record Problem(
        @Schema(description = "The kind of problem: urn:media-fanout:problem:<code> (docs/api.md, Errors)",
                required = true, example = "urn:media-fanout:problem:not_found") String type,
        @Schema(description = "The kind's short summary, the same for every problem of the kind", required = true,
                example = "No such resource") String title,
        @Schema(description = "The HTTP status", required = true, example = "404") int status,
        @Schema(description = "What went wrong this time, for people", example = "no media record vid_1") String detail,
        @Schema(description = "The request's path", example = "/media/vid_1") String instance,
        @Schema(description = "The kind's stable code, for code", required = true, example = "not_found") String code,
        @Schema(description = "Invalid input: each wrong field and why") List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** One invalid field of a request: its name (a path such as {@code options.poster-image.time}) and why. */
    @RegisterForReflection
    public record FieldError(@Schema(required = true, example = "sourceUrl") String field,
            @Schema(required = true, example = "sourceUrl must be an http(s) URL") String message) {
    }

    public static Problem of(ProblemType kind, String detail) {
        return new Problem(kind.type(), kind.title(), kind.status(), detail, null, kind.code(), null);
    }

    /** A {@code 400} naming the field that is wrong. */
    public static Problem invalid(String field, String message) {
        ProblemType kind = ProblemType.BAD_REQUEST;
        return new Problem(kind.type(), kind.title(), kind.status(), message, null, kind.code(),
                field == null ? null : List.of(new FieldError(field, message)));
    }

    /** The same problem with a status of its own (an HTTP status no kind names). */
    Problem withStatus(int status) {
        return new Problem(type, title, status, detail, instance, code, errors);
    }

    Problem at(String path) {
        return new Problem(type, title, status, detail, path, code, errors);
    }

    /** The answer carrying it. */
    public RestResponse<Problem> response() {
        return RestResponse.ResponseBuilder.<Problem> create(status).entity(this).type(MEDIA_TYPE).build();
    }

    /** The answer carrying it, with a header (Retry-After, WWW-Authenticate). */
    public RestResponse<Problem> response(String header, String value) {
        return RestResponse.ResponseBuilder.<Problem> create(status).entity(this).type(MEDIA_TYPE)
                .header(header, value).build();
    }
}
