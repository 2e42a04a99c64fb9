package io.mediafanout.media.service;

import static io.mediafanout.media.service.BranchOption.language;
import static io.mediafanout.media.service.BranchOption.oneOf;
import static io.mediafanout.media.service.BranchOption.seconds;
import static io.mediafanout.media.service.BranchOption.whole;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.service.Upload.InvalidUploadException;

/**
 * The four outputs an upload can make, and every fact about each: its step id (which also names its settings,
 * {@code media.outputs.<branch>.*} and {@code media.ittybit.<branch>.retry.*}), the Ittybit task kind and fixed
 * options, the options an upload may set with their rules and configured defaults, and the field its output URL has
 * in records, events and callbacks.
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
public enum Branch {

    HLS_PACKAGE("hls-package", "adaptive_video", Map.of("format", "hls"), "hlsUrl",
            List.of(BranchOption.of("quality", "quality", oneOf("low", "medium", "high")),
                    BranchOption.of("maxWidth", "width", whole(144, 7680))),
            outputs -> settings("quality", outputs.hlsPackage().quality(), "maxWidth", outputs.hlsPackage().maxWidth())),
    POSTER_IMAGE("poster-image", "image", Map.of(), "posterUrl",
            List.of(BranchOption.of("time", "start", seconds()),
                    BranchOption.of("width", "width", whole(16, 8192)),
                    BranchOption.of("format", "format", oneOf("webp", "jpeg", "png", "avif"))),
            outputs -> settings("time", outputs.posterImage().time(), "width", outputs.posterImage().width(),
                    "format", outputs.posterImage().format())),
    GIF_PREVIEW("gif-preview", "video", Map.of("format", "gif"), "gifUrl",
            List.of(BranchOption.of("start", "start", seconds()),
                    BranchOption.of("end", "end", seconds()),
                    BranchOption.of("width", "width", whole(16, 1920)),
                    BranchOption.of("fps", "fps", whole(1, 30))),
            outputs -> settings("start", outputs.gifPreview().start(), "end", outputs.gifPreview().end(),
                    "width", outputs.gifPreview().width(), "fps", outputs.gifPreview().fps())) {
        @Override
        void checkTogether(Map<String, Object> values, String field) {
            BigDecimal start = new BigDecimal(values.getOrDefault("start", 0).toString());
            Object end = values.get("end");
            if (end != null && (new BigDecimal(end.toString()).compareTo(start) <= 0
                    || new BigDecimal(end.toString()).subtract(start).compareTo(MAX_CLIP) > 0)) {
                throw new InvalidUploadException(field + ".end", field + ".end must be after start, by at most "
                        + MAX_CLIP + " seconds (start " + start.toPlainString() + ", end "
                        + new BigDecimal(end.toString()).toPlainString() + ")");
            }
        }
    },
    AUDIO_TRANSCRIPTION("audio-transcription", "audio", Map.of("format", "json"), "transcriptionUrl",
            List.of(new BranchOption("language", "language", language(), "auto")),
            outputs -> settings("language", outputs.audioTranscription().language()));

    /** Longest GIF preview, in seconds. */
    static final BigDecimal MAX_CLIP = BigDecimal.valueOf(30);

    private final String id;
    private final String kind;
    private final Map<String, Object> fixedOptions;
    private final String resultField;
    private final List<BranchOption> options;
    private final Function<MediaConfig.Outputs, Map<String, Object>> defaults;

    Branch(String id, String kind, Map<String, Object> fixedOptions, String resultField, List<BranchOption> options,
            Function<MediaConfig.Outputs, Map<String, Object>> defaults) {
        this.id = id;
        this.kind = kind;
        this.fixedOptions = fixedOptions;
        this.resultField = resultField;
        this.options = options;
        this.defaults = defaults;
    }

    /** The branch with this step id. */
    public static Optional<Branch> byId(String id) {
        for (Branch branch : values()) {
            if (branch.id.equals(id)) {
                return Optional.of(branch);
            }
        }
        return Optional.empty();
    }

    /** Every branch's step id, for error messages. */
    public static String ids() {
        return List.of(values()).stream().map(Branch::id).collect(Collectors.joining(", "));
    }

    /** The step id, also the branch's name in records, the API and settings. */
    public String id() {
        return id;
    }

    /** The Ittybit task kind. */
    public String kind() {
        return kind;
    }

    /** The Ittybit options every task of this branch has; an upload's own come from {@link #options()}. */
    public Map<String, Object> fixedOptions() {
        return fixedOptions;
    }

    /** The field holding this branch's output URL in records, {@code media/ready} events and callbacks. */
    public String resultField() {
        return resultField;
    }

    /** The options an upload may set. */
    public List<BranchOption> options() {
        return options;
    }

    /** The option named {@code name}. */
    public Optional<BranchOption> option(String name) {
        return options.stream().filter(option -> option.name().equals(name)).findFirst();
    }

    /** The configured defaults ({@code media.outputs.<branch>.*}), unchecked; unset ones are absent. */
    public Map<String, Object> configuredDefaults(MediaConfig.Outputs config) {
        return defaults.apply(config);
    }

    /** Rules between options of this branch; an {@link InvalidUploadException} when they do not hold. */
    void checkTogether(Map<String, Object> values, String field) {
    }

    /** Name–value pairs; an empty {@link Optional} value leaves its option out. */
    private static Map<String, Object> settings(Object... pairs) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            Object value = pairs[i + 1] instanceof Optional<?> optional ? optional.orElse(null) : pairs[i + 1];
            if (value != null) {
                values.put((String) pairs[i], value);
            }
        }
        return values;
    }
}
