package io.mediafanout.media.domain;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What one upload makes: the branches it runs (in {@link Branch} order) and each one's options, complete (the
 * defaults of the time with the upload's own values, checked once by {@code OutputOptions}). Stored on the record and
 * carried as stored in the {@code video/uploaded} event, so a run never depends on the configuration of the replica
 * that runs a step.
 */
public record Outputs(Map<Branch, SortedMap<String, Object>> options) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public Outputs {
        Map<Branch, SortedMap<String, Object>> copy = new LinkedHashMap<>();
        for (Branch branch : Branch.values()) {
            if (options.containsKey(branch)) {
                copy.put(branch, Collections.unmodifiableSortedMap(new TreeMap<>(options.get(branch))));
            }
        }
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("an upload runs at least one branch");
        }
        options = Collections.unmodifiableMap(copy);
    }

    /** The branches this upload runs, in {@link Branch} order (the order of their steps). */
    public List<Branch> branches() {
        return new ArrayList<>(options.keySet());
    }

    public boolean runs(Branch branch) {
        return options.containsKey(branch);
    }

    /** The branch's options as the API shows them (the names of {@link Branch#options()}, not Ittybit's). */
    public SortedMap<String, Object> of(Branch branch) {
        SortedMap<String, Object> values = options.get(branch);
        if (values == null) {
            throw new IllegalArgumentException(branch.id() + " is not part of this upload");
        }
        return values;
    }

    /** {@code {"<branch>": {option: value}}}, keys sorted: the same JSON for the same outputs. */
    public ObjectNode toJson() {
        ObjectNode node = JSON.createObjectNode();
        options.forEach((branch, values) -> node.set(branch.id(), JSON.valueToTree(values)));
        return node;
    }

    /** The canonical text of one branch's options: part of its Ittybit idempotency key. */
    public String canonical(Branch branch) {
        try {
            return JSON.writeValueAsString(of(branch));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads {@link #toJson()} back without checking it: stored data (a record's column, the event our API sent) was
     * checked once, when the upload came in. Unknown branches are left out (a branch removed since).
     */
    public static Outputs fromStored(JsonNode json) {
        Map<Branch, SortedMap<String, Object>> options = new LinkedHashMap<>();
        json.properties().forEach(entry -> Branch.byId(entry.getKey()).ifPresent(branch -> {
            SortedMap<String, Object> values = new TreeMap<>();
            entry.getValue().properties().forEach(option -> values.put(option.getKey(),
                    option.getValue().isNumber() ? option.getValue().numberValue() : option.getValue().asText()));
            options.put(branch, values);
        }));
        return new Outputs(options);
    }

    /** The options as Ittybit takes them for this branch's task: its fixed options, then the upload's. */
    public Map<String, Object> forIttybit(Branch branch) {
        Map<String, Object> task = new TreeMap<>(branch.fixedOptions());
        SortedMap<String, Object> values = of(branch);
        for (BranchOption option : branch.options()) {
            Object value = values.get(option.name());
            if (option.sent(value)) {
                task.put(option.ittybitName(), value);
            }
        }
        return task;
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
