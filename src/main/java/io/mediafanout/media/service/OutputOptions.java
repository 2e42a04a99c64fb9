package io.mediafanout.media.service;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.service.Upload.InvalidUploadException;

/**
 * Resolves the outputs of an upload: which branches run and with which options, from the rules and defaults each
 * {@link Branch} declares (defaults from configuration, {@code media.outputs.<branch>.*}). One path checks all three
 * sources (configuration at start, {@code POST /media}, a {@code video/uploaded} event), so a value accepted once is
 * accepted everywhere.
 */
@Singleton
public class OutputOptions {

    private final Outputs defaults;

    public OutputOptions(MediaConfig config) {
        this.defaults = defaults(config.outputs());
    }

    /** Every branch with the configured options. */
    public Outputs defaults() {
        return defaults;
    }

    /**
     * The outputs of an upload: {@code branches} (null: all) with the defaults overridden by {@code options} (null:
     * none). Field names in errors start with {@code prefix} ({@code ""} for the API, {@code "event.data."}).
     */
    public Outputs resolve(JsonNode branches, JsonNode options, String prefix) {
        return resolve(branches, options, prefix, defaults);
    }

    /**
     * Outputs already resolved once (our own {@code video/uploaded} event carries the record's): checked by the same
     * rules, but not completed with this server's defaults, which may have changed or which the upload removed.
     */
    public Outputs resolveComplete(JsonNode branches, JsonNode options, String prefix) {
        return resolve(branches, options, prefix, null);
    }

    private Outputs resolve(JsonNode branches, JsonNode options, String prefix, Outputs base) {
        List<Branch> selected = selected(branches, prefix + "branches");
        Map<Branch, SortedMap<String, Object>> resolved = new LinkedHashMap<>();
        for (Branch branch : selected) {
            resolved.put(branch, base == null ? new TreeMap<>() : new TreeMap<>(base.of(branch)));
        }
        if (options != null && !options.isNull()) {
            String field = prefix + "options";
            if (!options.isObject()) {
                throw new InvalidUploadException(field, field + " must be an object keyed by branch");
            }
            for (Map.Entry<String, JsonNode> entry : options.properties()) {
                String branchField = field + "." + entry.getKey();
                Branch branch = Branch.byId(entry.getKey()).orElseThrow(() -> new InvalidUploadException(branchField,
                        "unknown branch " + quoted(entry.getKey()) + "; branches are " + Branch.ids()));
                if (!resolved.containsKey(branch)) {
                    throw new InvalidUploadException(branchField, branchField + " is set but " + branch.id()
                            + " is not in branches");
                }
                override(branch, entry.getValue(), branchField, resolved.get(branch));
            }
        }
        resolved.forEach((branch, values) -> branch.checkTogether(values, prefix + "options." + branch.id()));
        return new Outputs(resolved);
    }

    /** The options as Ittybit takes them for this branch's task: its fixed options, then the upload's. */
    public static Map<String, Object> forIttybit(Branch branch, Outputs outputs) {
        Map<String, Object> task = new TreeMap<>(branch.fixedOptions());
        SortedMap<String, Object> values = outputs.of(branch);
        for (BranchOption option : branch.options()) {
            Object value = values.get(option.name());
            if (option.sent(value)) {
                task.put(option.ittybitName(), value);
            }
        }
        return task;
    }

    private static List<Branch> selected(JsonNode branches, String field) {
        if (branches == null || branches.isNull()) {
            return List.of(Branch.values());
        }
        if (!branches.isArray() || branches.isEmpty()) {
            throw new InvalidUploadException(field, field + " must be a non-empty array of " + Branch.ids());
        }
        Set<Branch> chosen = new HashSet<>();
        for (int i = 0; i < branches.size(); i++) {
            JsonNode id = branches.get(i);
            String itemField = field + "[" + i + "]";
            Branch branch = id.isTextual() ? Branch.byId(id.asText()).orElse(null) : null;
            if (branch == null) {
                throw new InvalidUploadException(itemField, "unknown branch " + quoted(id.isTextual() ? id.asText()
                        : id.toString()) + "; branches are " + Branch.ids());
            }
            if (!chosen.add(branch)) {
                throw new InvalidUploadException(itemField, itemField + ": " + branch.id() + " is listed twice");
            }
        }
        return List.of(Branch.values()).stream().filter(chosen::contains).toList();
    }

    private static void override(Branch branch, JsonNode values, String field, SortedMap<String, Object> into) {
        if (!values.isObject()) {
            throw new InvalidUploadException(field, field + " must be an object");
        }
        for (Map.Entry<String, JsonNode> entry : values.properties()) {
            String optionField = field + "." + entry.getKey();
            BranchOption option = branch.option(entry.getKey())
                    .orElseThrow(() -> new InvalidUploadException(optionField, "unknown option "
                            + quoted(entry.getKey()) + " for " + branch.id() + "; its options are "
                            + branch.options().stream().map(BranchOption::name).collect(Collectors.joining(", "))));
            if (entry.getValue().isNull()) {
                into.remove(option.name());
            } else {
                into.put(option.name(), option.rule().check(entry.getValue(), optionField));
            }
        }
    }

    private static Outputs defaults(MediaConfig.Outputs config) {
        Map<Branch, SortedMap<String, Object>> resolved = new LinkedHashMap<>();
        for (Branch branch : Branch.values()) {
            ObjectNode configured = JsonNodeFactory.instance.objectNode();
            branch.configuredDefaults(config).forEach((name, value) -> configured.set(name, json(value)));
            SortedMap<String, Object> values = new TreeMap<>();
            String field = "media.outputs." + branch.id();
            try {
                override(branch, configured, field, values);
                branch.checkTogether(values, field);
            } catch (InvalidUploadException e) {
                throw new IllegalStateException("invalid setting " + e.field() + ": " + e.getMessage());
            }
            resolved.put(branch, values);
        }
        return new Outputs(resolved);
    }

    private static JsonNode json(Object setting) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        if (setting instanceof BigDecimal decimal) {
            return json.numberNode(decimal);
        }
        return setting instanceof Integer number ? json.numberNode(number) : json.textNode(setting.toString());
    }

    private static String quoted(String text) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "…" : text;
        return "'" + shown.replaceAll("[^\\x20-\\x7e…]", "?") + "'";
    }
}
