package io.mediafanout.media.rest;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The body of every error answer: a code, a message for people, and the offending field when there is one. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@RegisterForReflection
public record ApiError(String error, String message, String field) {

    public static ApiError of(String error, String message) {
        return new ApiError(error, message, null);
    }
}
