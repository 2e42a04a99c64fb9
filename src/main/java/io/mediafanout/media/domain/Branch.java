package io.mediafanout.media.domain;

import static io.mediafanout.media.domain.BranchOption.language;
import static io.mediafanout.media.domain.BranchOption.oneOf;
import static io.mediafanout.media.domain.BranchOption.seconds;
import static io.mediafanout.media.domain.BranchOption.whole;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import io.mediafanout.media.domain.Upload.InvalidUploadException;

/**
 * The outputs an upload can make, and every fact about each, in one row: its step id (which also names its settings,
 * {@code media.outputs.<branch>.<option>} and {@code media.ittybit.<branch>.retry.*}, and its key in stored records),
 * the Ittybit task kind and fixed options, the options an upload may set with their rules and defaults, and the
 * field its output URL has in records, events and callbacks. A fifth branch is one more row here, one documentation
 * row per setting, and nothing else: records, settings, the API, the sandbox and the tests iterate this table.
 */
public enum Branch {

    HLS_PACKAGE("hls-package", "adaptive_video", Map.of("format", "hls"), "hlsUrl",
            BranchOption.of("quality", "quality", oneOf("low", "medium", "high")),
            BranchOption.of("maxWidth", "width", whole(144, 7680))),
    POSTER_IMAGE("poster-image", "image", Map.of(), "posterUrl",
            BranchOption.of("time", "start", seconds()).byDefault("2"),
            BranchOption.of("width", "width", whole(16, 8192)).byDefault("1280"),
            BranchOption.of("format", "format", oneOf("webp", "jpeg", "png", "avif")).byDefault("webp")),
    GIF_PREVIEW("gif-preview", "video", Map.of("format", "gif"), "gifUrl",
            BranchOption.of("start", "start", seconds()).byDefault("1"),
            BranchOption.of("end", "end", seconds()).byDefault("4"),
            BranchOption.of("width", "width", whole(16, 1920)).byDefault("480"),
            BranchOption.of("fps", "fps", whole(1, 30))) {
        @Override
        public void checkTogether(Map<String, Object> values, String field) {
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
            BranchOption.of("language", "language", language()).byDefault("en").omittedFor("auto"));

    /** Longest GIF preview, in seconds. */
    static final BigDecimal MAX_CLIP = BigDecimal.valueOf(30);

    private final String id;
    private final String kind;
    private final Map<String, Object> fixedOptions;
    private final String resultField;
    private final List<BranchOption> options;

    Branch(String id, String kind, Map<String, Object> fixedOptions, String resultField, BranchOption... options) {
        this.id = id;
        this.kind = kind;
        this.fixedOptions = fixedOptions;
        this.resultField = resultField;
        this.options = List.of(options);
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

    /** The setting that overrides an option's default: {@code media.outputs.<branch>.<option, kebab-case>}. */
    public String setting(BranchOption option) {
        return "media.outputs." + id + "." + option.settingName();
    }

    /** Rules between options of this branch; an {@link InvalidUploadException} naming {@code field} if one fails. */
    public void checkTogether(Map<String, Object> values, String field) {
    }
}
