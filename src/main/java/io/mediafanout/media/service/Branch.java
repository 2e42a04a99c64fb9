package io.mediafanout.media.service;

import java.util.Map;
import java.util.Optional;

import io.mediafanout.media.client.IttybitClient;
import io.mediafanout.media.client.IttybitClient.TaskOrder;
import io.mediafanout.media.client.IttybitTask;
import io.smallrye.mutiny.Uni;

/** The four outputs an upload can make: step id, Ittybit task kind and fixed options, and its guarded client calls. */
public enum Branch {

    HLS_PACKAGE("hls-package", "adaptive_video", Map.of("format", "hls")) {
        @Override
        Uni<IttybitTask> create(IttybitClient client, TaskOrder order) {
            return client.createHlsPackage(order);
        }

        @Override
        Uni<IttybitTask> read(IttybitClient client, String taskId) {
            return client.readHlsPackage(taskId);
        }
    },
    POSTER_IMAGE("poster-image", "image", Map.of()) {
        @Override
        Uni<IttybitTask> create(IttybitClient client, TaskOrder order) {
            return client.createPosterImage(order);
        }

        @Override
        Uni<IttybitTask> read(IttybitClient client, String taskId) {
            return client.readPosterImage(taskId);
        }
    },
    GIF_PREVIEW("gif-preview", "video", Map.of("format", "gif")) {
        @Override
        Uni<IttybitTask> create(IttybitClient client, TaskOrder order) {
            return client.createGifPreview(order);
        }

        @Override
        Uni<IttybitTask> read(IttybitClient client, String taskId) {
            return client.readGifPreview(taskId);
        }
    },
    AUDIO_TRANSCRIPTION("audio-transcription", "audio", Map.of("format", "json")) {
        @Override
        Uni<IttybitTask> create(IttybitClient client, TaskOrder order) {
            return client.createAudioTranscription(order);
        }

        @Override
        Uni<IttybitTask> read(IttybitClient client, String taskId) {
            return client.readAudioTranscription(taskId);
        }
    };

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

    /** Each branch goes through its own client methods, hence its own retry policies. */
    abstract Uni<IttybitTask> create(IttybitClient client, TaskOrder order);

    abstract Uni<IttybitTask> read(IttybitClient client, String taskId);
}
