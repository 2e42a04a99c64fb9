package io.mediafanout.media.service;

import java.util.Map;
import java.util.Optional;

/**
 * The four outputs an upload can make: step id, Ittybit task kind and fixed options. The step id also names the
 * branch's settings ({@code media.ittybit.<branch>.retry.*}, {@code media.outputs.<branch>.*}).
 */
public enum Branch {

    HLS_PACKAGE("hls-package", "adaptive_video", Map.of("format", "hls")),
    POSTER_IMAGE("poster-image", "image", Map.of()),
    GIF_PREVIEW("gif-preview", "video", Map.of("format", "gif")),
    AUDIO_TRANSCRIPTION("audio-transcription", "audio", Map.of("format", "json"));

    private final String id;
    private final String kind;
    private final Map<String, Object> fixedOptions;

    Branch(String id, String kind, Map<String, Object> fixedOptions) {
        this.id = id;
        this.kind = kind;
        this.fixedOptions = fixedOptions;
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

    /** The step id, also the branch's name in records and the API. */
    public String id() {
        return id;
    }

    public String kind() {
        return kind;
    }

    /** The Ittybit options every task of this branch has; an upload's own come from {@link OutputOptions}. */
    public Map<String, Object> fixedOptions() {
        return fixedOptions;
    }
}
