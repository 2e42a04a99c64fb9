package io.mediafanout.media.service;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.BranchOption;
import io.mediafanout.media.domain.Outputs;
import io.mediafanout.media.domain.Upload.InvalidUploadException;

/**
 * Resolves the outputs of an upload: which branches run and with which options, from the rules and defaults each
 * {@link Branch} declares, the defaults overridden by settings ({@link Branch#setting}:
 * {@code media.outputs.<branch>.<option>}). One path checks all three sources (settings at start,
 * {@code POST /media}, a {@code video/uploaded} event from another app), so a value accepted once is accepted
 * everywhere. What it resolves is complete and stored; nothing resolves it again.
 */
@Singleton
public class OutputOptions {

    private final Outputs defaults;
    /** What in the settings is wrong, or null: {@link #defaults()} reports it, first at start. */
    private final String badSetting;

    /**
     * The settings ({@link MediaConfig#outputs()}) are looked up by the names the {@link Branch} table gives them, so
     * that environment variables such as {@code MEDIA_OUTPUTS_POSTER_IMAGE_TIME} are found too; a setting that names
     * no option of its branch, or a bad value, stops the start ({@code RequiredSettings} calls {@link #defaults()},
     * beside the other settings checks).
     */
    public OutputOptions(MediaConfig settings, Config config) {
        Outputs built = null;
        String bad = null;
        try {
            for (Branch branch : Branch.values()) {
                refuseUnknown(branch, settings.outputs().get(branch.id()).options().keySet());
            }
            built = defaults(config);
        } catch (IllegalStateException e) {
            bad = e.getMessage();
        }
        this.defaults = built;
        this.badSetting = bad;
    }

    private static void refuseUnknown(Branch branch, Set<String> written) {
        for (String name : written) {
            if (branch.options().stream().noneMatch(option -> option.settingName().equals(name))) {
                throw new IllegalStateException("unknown setting media.outputs." + branch.id() + "." + name
                        + "; the options of " + branch.id() + " are " + branch.options().stream()
                                .map(BranchOption::settingName).collect(Collectors.joining(", ")));
            }
        }
    }

    /** Every branch with the configured options; an {@link IllegalStateException} when a setting is wrong. */
    public Outputs defaults() {
        if (badSetting != null) {
            throw new IllegalStateException(badSetting);
        }
        return defaults;
    }

    /**
     * The outputs of an upload: {@code branches} (null: all) with the defaults overridden by {@code options} (null:
     * none). Field names in errors start with {@code prefix} ({@code ""} for the API, {@code "event.data."}).
     */
    public Outputs resolve(JsonNode branches, JsonNode options, String prefix) {
        List<Branch> selected = selected(branches, prefix + "branches");
        Map<Branch, SortedMap<String, Object>> resolved = new LinkedHashMap<>();
        for (Branch branch : selected) {
            resolved.put(branch, new TreeMap<>(defaults.of(branch)));
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

    /** Each branch's defaults, overridden by its settings; a setting the rules refuse stops the start. */
    private static Outputs defaults(Config config) {
        Map<Branch, SortedMap<String, Object>> resolved = new LinkedHashMap<>();
        for (Branch branch : Branch.values()) {
            SortedMap<String, Object> values = new TreeMap<>();
            for (BranchOption option : branch.options()) {
                String setting = branch.setting(option);
                config.getOptionalValue(setting, String.class).or(() -> Optional.ofNullable(option.defaultValue()))
                        .ifPresent(text -> values.put(option.name(), checkSetting(() -> option.fromText(text, setting))));
            }
            checkSetting(() -> {
                branch.checkTogether(values, "media.outputs." + branch.id());
                return null;
            });
            resolved.put(branch, values);
        }
        return new Outputs(resolved);
    }

    private static Object checkSetting(java.util.function.Supplier<Object> check) {
        try {
            return check.get();
        } catch (InvalidUploadException e) {
            throw new IllegalStateException("invalid setting " + e.field() + ": " + e.getMessage());
        }
    }

    private static String quoted(String text) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "…" : text;
        return "'" + shown.replaceAll("[^\\x20-\\x7e…]", "?") + "'";
    }
}
