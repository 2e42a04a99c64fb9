package io.mediafanout.media.service;

import java.util.Map;
import java.util.function.Function;

import io.mediafanout.media.client.IttybitClient;
import io.mediafanout.media.client.IttybitClient.TaskOrder;
import io.mediafanout.media.client.IttybitTask;
import io.smallrye.mutiny.Uni;

/** The four outputs made from an upload: step id, Ittybit task kind and options, and its guarded client call. */
public enum Branch {

    HLS_PACKAGE("hls-package", "adaptive_video", Map.of("format", "hls")) {
        @Override
        Uni<IttybitTask> call(IttybitClient client, TaskOrder order, Function<IttybitTask, Uni<Void>> onCreated) {
            return client.hlsPackage(order, onCreated);
        }
    },
    POSTER_IMAGE("poster-image", "image", Map.of("start", 2, "width", 1280, "format", "webp")) {
        @Override
        Uni<IttybitTask> call(IttybitClient client, TaskOrder order, Function<IttybitTask, Uni<Void>> onCreated) {
            return client.posterImage(order, onCreated);
        }
    },
    GIF_PREVIEW("gif-preview", "video", Map.of("start", 1, "end", 4, "width", 480, "format", "gif")) {
        @Override
        Uni<IttybitTask> call(IttybitClient client, TaskOrder order, Function<IttybitTask, Uni<Void>> onCreated) {
            return client.gifPreview(order, onCreated);
        }
    },
    AUDIO_TRANSCRIPTION("audio-transcription", "audio", Map.of("format", "json", "language", "en")) {
        @Override
        Uni<IttybitTask> call(IttybitClient client, TaskOrder order, Function<IttybitTask, Uni<Void>> onCreated) {
            return client.audioTranscription(order, onCreated);
        }
    };

    private final String id;
    private final String kind;
    private final Map<String, Object> options;

    Branch(String id, String kind, Map<String, Object> options) {
        this.id = id;
        this.kind = kind;
        this.options = options;
    }

    /** The branch with this step id. */
    public static java.util.Optional<Branch> byId(String id) {
        for (Branch branch : values()) {
            if (branch.id.equals(id)) {
                return java.util.Optional.of(branch);
            }
        }
        return java.util.Optional.empty();
    }

    /** The step id, also the branch's name in records and the API. */
    public String id() {
        return id;
    }

    public String kind() {
        return kind;
    }

    public Map<String, Object> options() {
        return options;
    }

    /** Each branch goes through its own client method, hence its own retry policy. */
    abstract Uni<IttybitTask> call(IttybitClient client, TaskOrder order, Function<IttybitTask, Uni<Void>> onCreated);
}
