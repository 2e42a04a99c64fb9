package io.mediafanout.media.service;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.repository.Media;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What the {@code assemble} step returns and the run's result: the media record's outputs, as
 * {@code {id, status, round, hlsUrl, posterUrl, gifUrl, transcriptionUrl}} (each branch's {@link Branch#resultField()};
 * null for a branch that made none).
 */
@RegisterForReflection
public record MediaView(String id, MediaStatus status, int round, @JsonIgnore Map<Branch, String> outputs) {

    public MediaView {
        EnumMap<Branch, String> copy = new EnumMap<>(Branch.class);
        copy.putAll(outputs);
        outputs = Collections.unmodifiableMap(copy);
    }

    /** The record was cancelled before its run ended: no {@code media/ready}. */
    @JsonIgnore
    public boolean cancelled() {
        return status == MediaStatus.CANCELLED;
    }

    public static MediaView of(Media media) {
        return new MediaView(media.getId(), media.getStatus(), media.getRound(), media.outputs());
    }

    /** Every branch's result field with its URL or null, in branch order. */
    @JsonAnyGetter
    public Map<String, String> results() {
        return results(outputs);
    }

    /** {@code outputs} keyed by result field, every branch present (null when it made none), in branch order. */
    public static Map<String, String> results(Map<Branch, String> outputs) {
        Map<String, String> results = new LinkedHashMap<>();
        for (Branch branch : Branch.values()) {
            results.put(branch.resultField(), outputs.get(branch));
        }
        return results;
    }

    /** Reads a step's memoised result back. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static MediaView fromJson(Map<String, Object> json) {
        Map<Branch, String> outputs = new EnumMap<>(Branch.class);
        for (Branch branch : Branch.values()) {
            if (json.get(branch.resultField()) instanceof String url) {
                outputs.put(branch, url);
            }
        }
        Object round = json.get("round");
        return new MediaView((String) json.get("id"), MediaStatus.of((String) json.get("status")).orElseThrow(),
                round instanceof Number number ? number.intValue() : 0, outputs);
    }
}
