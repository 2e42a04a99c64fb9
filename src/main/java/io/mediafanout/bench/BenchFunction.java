package io.mediafanout.bench;

import java.util.Map;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.inngest.FunctionDefinition;
import io.mediafanout.inngest.Trigger;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * Benchmark mode only ({@code -Dmediafanout.bench-function=true}, see bench/README.md): the fan-out function with
 * the same id, steps and results as the TypeScript reference app, but step bodies that do no I/O, so that the
 * benchmark measures the serve protocol (parsing, replay, signing, JSON) of both SDKs and nothing else. It
 * replaces {@code FanoutFunction} while the property is set.
 */
@Singleton
public class BenchFunction {

    public static final String PROPERTY = "mediafanout.bench-function";

    @RegisterForReflection
    public record Task(String id, String status, String input, Map<String, String> output) {
    }

    @RegisterForReflection
    public record Media(String id, String status, String hlsUrl, String posterUrl, String gifUrl,
            String transcriptionUrl) {
    }

    @Produces
    @Singleton
    @LookupIfProperty(name = PROPERTY, stringValue = "true")
    FunctionDefinition benchFanout() {
        return FunctionDefinition.builder("fanout-adaptive-streaming")
                .trigger(Trigger.event("video/uploaded"))
                .retries(3)
                .handler((ctx, step) -> {
                    JsonNode data = ctx.event().data();
                    Uni<Task> hls = step.run("hls-package", Task.class, () -> task(data, "hls-package", "m3u8"));
                    Uni<Task> poster = step.run("poster-image", Task.class, () -> task(data, "poster-image", "jpg"));
                    Uni<Task> gif = step.run("gif-preview", Task.class, () -> task(data, "gif-preview", "gif"));
                    Uni<Task> audio = step.run("audio-transcription", Task.class,
                            () -> task(data, "audio-transcription", "vtt"));
                    return Uni.combine().all().unis(hls, poster, gif, audio).asTuple()
                            .chain(t -> step.run("assemble", Media.class, () -> Uni.createFrom().item(new Media(
                                    data.path("mediaId").asText(), "ready", t.getItem1().output().get("url"),
                                    t.getItem2().output().get("url"), t.getItem3().output().get("url"),
                                    t.getItem4().output().get("url")))));
                })
                .build();
    }

    private static Uni<Task> task(JsonNode data, String step, String extension) {
        String mediaId = data.path("mediaId").asText();
        return Uni.createFrom().item(new Task("task_" + step.replace('-', '_') + "_" + mediaId, "completed",
                data.path("sourceUrl").asText(), Map.of("url", "https://cdn.example/" + mediaId + "/" + step + "." + extension)));
    }
}
