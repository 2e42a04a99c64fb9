package io.mediafanout.media.repository;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import jakarta.persistence.AttributeConverter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.BranchStatus;
import io.mediafanout.media.domain.FailureCode;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.domain.Outputs;

/**
 * How the domain's types are stored, each mapped to its column here and nowhere else: statuses and failure codes by
 * their names, an upload's {@link Outputs} and a record's output URLs as JSON keyed by branch id. Native queries
 * bind the same names ({@code MediaStatus.value()}).
 */
final class Columns {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Columns() {
    }

    /** An enum stored by its name in the API and events ({@code ready}, {@code task_failed}). */
    abstract static class ByName<E> implements AttributeConverter<E, String> {
        private final Function<E, String> name;
        private final Function<String, E> byName;

        ByName(Function<E, String> name, Function<String, E> byName) {
            this.name = name;
            this.byName = byName;
        }

        @Override
        public String convertToDatabaseColumn(E value) {
            return value == null ? null : name.apply(value);
        }

        @Override
        public E convertToEntityAttribute(String value) {
            return value == null ? null : byName.apply(value);
        }
    }

    static final class MediaStatusColumn extends ByName<MediaStatus> {
        MediaStatusColumn() {
            super(MediaStatus::value, value -> MediaStatus.of(value)
                    .orElseThrow(() -> new IllegalStateException("unknown media status " + value)));
        }
    }

    static final class BranchStatusColumn extends ByName<BranchStatus> {
        BranchStatusColumn() {
            super(BranchStatus::value, value -> BranchStatus.of(value)
                    .orElseThrow(() -> new IllegalStateException("unknown branch status " + value)));
        }
    }

    /** A code as stored; one this version does not know reads as {@link FailureCode#RUN_FAILED}. */
    static final class FailureCodeColumn extends ByName<FailureCode> {
        FailureCodeColumn() {
            super(FailureCode::code, FailureCode::of);
        }
    }

    /** {@code {"<branch>": {option: value}}}; null for records stored before uploads chose their outputs. */
    static final class OutputsColumn implements AttributeConverter<Outputs, String> {
        @Override
        public String convertToDatabaseColumn(Outputs outputs) {
            return outputs == null ? null : outputs.toJson().toString();
        }

        @Override
        public Outputs convertToEntityAttribute(String json) {
            return json == null ? null : read(json);
        }

        static Outputs read(String json) {
            try {
                return Outputs.fromStored(JSON.readTree(json));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("unreadable outputs column", e);
            }
        }
    }

    /** {@code {"<branch>": "<url>"}}: the URL of each branch that made its output. */
    static final class OutputUrlsColumn implements AttributeConverter<Map<Branch, String>, String> {
        @Override
        public String convertToDatabaseColumn(Map<Branch, String> urls) {
            Map<String, String> byId = new TreeMap<>();
            if (urls != null) {
                urls.forEach((branch, url) -> byId.put(branch.id(), url));
            }
            try {
                return JSON.writeValueAsString(byId);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Map<Branch, String> convertToEntityAttribute(String json) {
            Map<Branch, String> urls = new EnumMap<>(Branch.class);
            if (json == null) {
                return urls;
            }
            try {
                JSON.readTree(json).properties().forEach(entry -> Branch.byId(entry.getKey())
                        .ifPresent(branch -> urls.put(branch, entry.getValue().asText())));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("unreadable output_urls column", e);
            }
            return urls;
        }
    }
}
