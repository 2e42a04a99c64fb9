package io.mediafanout.media.service;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.service.Upload.InvalidUploadException;

/**
 * The options an upload may set per branch, their rules, and the defaults from configuration
 * ({@code media.outputs.<branch>.*}). One path checks all three sources (configuration at start, {@code POST /media},
 * a {@code video/uploaded} event), so a value accepted once is accepted everywhere.
 * <table>
 * <caption>Options</caption>
 * <tr><th>branch</th><th>option</th><th>values</th><th>Ittybit option</th></tr>
 * <tr><td>hls-package</td><td>quality</td><td>low, medium, high</td><td>quality</td></tr>
 * <tr><td>hls-package</td><td>maxWidth</td><td>144–7680</td><td>width</td></tr>
 * <tr><td>poster-image</td><td>time</td><td>0–86400 s</td><td>start</td></tr>
 * <tr><td>poster-image</td><td>width</td><td>16–8192</td><td>width</td></tr>
 * <tr><td>poster-image</td><td>format</td><td>webp, jpeg, png, avif</td><td>format</td></tr>
 * <tr><td>gif-preview</td><td>start, end</td><td>0–86400 s, end after start by at most 30 s</td><td>start, end</td></tr>
 * <tr><td>gif-preview</td><td>width</td><td>16–1920</td><td>width</td></tr>
 * <tr><td>gif-preview</td><td>fps</td><td>1–30</td><td>fps</td></tr>
 * <tr><td>audio-transcription</td><td>language</td><td>a BCP 47 tag, or auto</td><td>language (omitted for auto)</td></tr>
 * </table>
 */
@Singleton
public class OutputOptions {

    /** Longest GIF preview, in seconds. */
    static final BigDecimal MAX_CLIP = BigDecimal.valueOf(30);
    static final BigDecimal MAX_TIME = BigDecimal.valueOf(86_400);
    /** {@code auto}, or a BCP 47 tag: a 2–3 letter language, then optional script/region/variant subtags. */
    private static final Pattern LANGUAGE = Pattern.compile("auto|[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}");

    /** One option: its name in the API, the option Ittybit knows it by, and its rule. */
    record Option(String name, String ittybitName, Rule rule) {
    }

    interface Rule {
        /** The value, normalised; an {@link InvalidUploadException} naming {@code field} when it is not acceptable. */
        Object check(JsonNode value, String field);
    }

    private static final Map<Branch, List<Option>> OPTIONS = new EnumMap<>(Map.of(
            Branch.HLS_PACKAGE, List.of(
                    new Option("quality", "quality", oneOf("low", "medium", "high")),
                    new Option("maxWidth", "width", whole(144, 7680))),
            Branch.POSTER_IMAGE, List.of(
                    new Option("time", "start", seconds()),
                    new Option("width", "width", whole(16, 8192)),
                    new Option("format", "format", oneOf("webp", "jpeg", "png", "avif"))),
            Branch.GIF_PREVIEW, List.of(
                    new Option("start", "start", seconds()),
                    new Option("end", "end", seconds()),
                    new Option("width", "width", whole(16, 1920)),
                    new Option("fps", "fps", whole(1, 30))),
            Branch.AUDIO_TRANSCRIPTION, List.of(
                    new Option("language", "language", language()))));

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
                        "unknown branch " + quoted(entry.getKey()) + "; branches are " + branchIds()));
                if (!resolved.containsKey(branch)) {
                    throw new InvalidUploadException(branchField, branchField + " is set but " + branch.id()
                            + " is not in branches");
                }
                override(branch, entry.getValue(), branchField, resolved.get(branch));
            }
        }
        resolved.forEach((branch, values) -> checkTogether(branch, values, prefix + "options." + branch.id()));
        return new Outputs(resolved);
    }

    /** The options as Ittybit takes them for this branch's task: its fixed options, then the upload's. */
    public static Map<String, Object> forIttybit(Branch branch, Outputs outputs) {
        Map<String, Object> task = new TreeMap<>(branch.fixedOptions());
        SortedMap<String, Object> values = outputs.of(branch);
        for (Option option : OPTIONS.get(branch)) {
            Object value = values.get(option.name());
            if (value != null && !(option.rule() instanceof LanguageRule && "auto".equals(value))) {
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
            throw new InvalidUploadException(field, field + " must be a non-empty array of " + branchIds());
        }
        Set<Branch> chosen = new HashSet<>();
        for (int i = 0; i < branches.size(); i++) {
            JsonNode id = branches.get(i);
            String itemField = field + "[" + i + "]";
            Branch branch = id.isTextual() ? Branch.byId(id.asText()).orElse(null) : null;
            if (branch == null) {
                throw new InvalidUploadException(itemField, "unknown branch " + quoted(id.isTextual() ? id.asText()
                        : id.toString()) + "; branches are " + branchIds());
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
            Option option = OPTIONS.get(branch).stream().filter(o -> o.name().equals(entry.getKey())).findFirst()
                    .orElseThrow(() -> new InvalidUploadException(optionField, "unknown option "
                            + quoted(entry.getKey()) + " for " + branch.id() + "; its options are "
                            + OPTIONS.get(branch).stream().map(Option::name).collect(Collectors.joining(", "))));
            if (entry.getValue().isNull()) {
                into.remove(option.name());
            } else {
                into.put(option.name(), option.rule().check(entry.getValue(), optionField));
            }
        }
    }

    /** Rules between options of one branch. */
    private static void checkTogether(Branch branch, Map<String, Object> values, String field) {
        if (branch == Branch.GIF_PREVIEW) {
            BigDecimal start = decimal(values.getOrDefault("start", 0));
            Object endValue = values.get("end");
            if (endValue != null) {
                BigDecimal end = decimal(endValue);
                if (end.compareTo(start) <= 0 || end.subtract(start).compareTo(MAX_CLIP) > 0) {
                    throw new InvalidUploadException(field + ".end", field + ".end must be after start, by at most "
                            + MAX_CLIP + " seconds (start " + start.toPlainString() + ", end " + end.toPlainString()
                            + ")");
                }
            }
        }
    }

    private static Outputs defaults(MediaConfig.Outputs config) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode options = json.objectNode();
        ObjectNode hls = options.putObject(Branch.HLS_PACKAGE.id());
        config.hlsPackage().quality().ifPresent(q -> hls.put("quality", q));
        config.hlsPackage().maxWidth().ifPresent(w -> hls.put("maxWidth", w));
        options.putObject(Branch.POSTER_IMAGE.id()).put("time", config.posterImage().time())
                .put("width", config.posterImage().width()).put("format", config.posterImage().format());
        ObjectNode gif = options.putObject(Branch.GIF_PREVIEW.id()).put("start", config.gifPreview().start())
                .put("end", config.gifPreview().end()).put("width", config.gifPreview().width());
        config.gifPreview().fps().ifPresent(fps -> gif.put("fps", fps));
        options.putObject(Branch.AUDIO_TRANSCRIPTION.id()).put("language", config.audioTranscription().language());
        Map<Branch, SortedMap<String, Object>> resolved = new LinkedHashMap<>();
        for (Branch branch : Branch.values()) {
            SortedMap<String, Object> values = new TreeMap<>();
            try {
                override(branch, options.get(branch.id()), "media.outputs." + branch.id(), values);
                checkTogether(branch, values, "media.outputs." + branch.id());
            } catch (InvalidUploadException e) {
                throw new IllegalStateException("invalid setting " + e.field() + ": " + e.getMessage());
            }
            resolved.put(branch, values);
        }
        return new Outputs(resolved);
    }

    private static Rule whole(int min, int max) {
        return (value, field) -> {
            if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < min
                    || value.intValue() > max) {
                throw new InvalidUploadException(field, field + " must be a whole number from " + min + " to " + max);
            }
            return value.intValue();
        };
    }

    /** Seconds into the video, to the millisecond. */
    private static Rule seconds() {
        return (value, field) -> {
            if (!value.isNumber()) {
                throw new InvalidUploadException(field, field + " must be a number of seconds");
            }
            BigDecimal seconds = value.decimalValue();
            if (seconds.signum() < 0 || seconds.compareTo(MAX_TIME) > 0 || seconds.stripTrailingZeros().scale() > 3) {
                throw new InvalidUploadException(field, field + " must be from 0 to " + MAX_TIME
                        + " seconds, to the millisecond at most");
            }
            return normalised(seconds);
        };
    }

    private static Rule oneOf(String... values) {
        List<String> allowed = List.of(values);
        return (value, field) -> {
            if (!value.isTextual() || !allowed.contains(value.asText())) {
                throw new InvalidUploadException(field, field + " must be one of " + String.join(", ", allowed));
            }
            return value.asText();
        };
    }

    /** Marks the rule whose value {@code auto} means "no option": Ittybit detects the language. */
    private static final class LanguageRule implements Rule {
        @Override
        public Object check(JsonNode value, String field) {
            if (!value.isTextual() || !LANGUAGE.matcher(value.asText()).matches()) {
                throw new InvalidUploadException(field, field + " must be a BCP 47 language tag (en, es, pt-BR) or auto");
            }
            return value.asText();
        }
    }

    private static Rule language() {
        return new LanguageRule();
    }

    /** 2 for 2.000, 2.5 for 2.50: equal values are equal keys. */
    private static Object normalised(BigDecimal seconds) {
        BigDecimal plain = seconds.stripTrailingZeros();
        if (plain.scale() <= 0) {
            return plain.intValueExact();
        }
        return plain.doubleValue();
    }

    private static BigDecimal decimal(Object value) {
        return new BigDecimal(value.toString());
    }

    private static String branchIds() {
        return List.of(Branch.values()).stream().map(Branch::id).collect(Collectors.joining(", "));
    }

    private static String quoted(String text) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "…" : text;
        return "'" + shown.replaceAll("[^\\x20-\\x7e…]", "?") + "'";
    }
}
