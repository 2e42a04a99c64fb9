package io.mediafanout.inngest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.quarkus.arc.properties.IfBuildProperty;

import com.fasterxml.jackson.databind.JsonNode;

import io.smallrye.mutiny.Uni;

/**
 * The function of the reference TypeScript app the transcripts were recorded from: four parallel steps, then
 * {@code assemble}, with the same step results. {@code event.data.failStep} makes a step always fail;
 * {@code event.data.flakyStep} with {@code failTimes} makes it fail that many times, then succeed;
 * {@code rateLimitedStep} does the same with a "retry after 2 s" error; {@code nonRetriableStep} fails at once for
 * good.
 * <p>
 * Every execution of a step body is counted per (mediaId, step), so tests can tell which bodies ran.
 */
@Singleton
@IfBuildProperty(name = "mediafanout.test.reference-function", stringValue = "true")
public class ReferenceFunction {

    public record Task(String id, String status, String input, Map<String, String> output) {
    }

    public record Media(String id, String status, String hlsUrl, String posterUrl, String gifUrl,
            String transcriptionUrl) {
    }

    private static final Map<String, AtomicInteger> EXECUTIONS = new ConcurrentHashMap<>();

    public static int executions(String mediaId, String step) {
        AtomicInteger count = EXECUTIONS.get(mediaId + "/" + step);
        return count == null ? 0 : count.get();
    }

    @Produces
    @Singleton
    FunctionDefinition fanout() {
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
                            .chain(t -> step.run("assemble", Media.class, () -> {
                                count(data, "assemble");
                                return Uni.createFrom().item(new Media(data.path("mediaId").asText(), "ready",
                                        t.getItem1().output().get("url"), t.getItem2().output().get("url"),
                                        t.getItem3().output().get("url"), t.getItem4().output().get("url")));
                            }));
                })
                .build();
    }

    private static int count(JsonNode data, String step) {
        return EXECUTIONS.computeIfAbsent(data.path("mediaId").asText() + "/" + step, k -> new AtomicInteger())
                .incrementAndGet();
    }

    private static Uni<Task> task(JsonNode data, String step, String extension) {
        int execution = count(data, step);
        String mediaId = data.path("mediaId").asText();
        boolean fails = step.equals(data.path("failStep").asText())
                || (step.equals(data.path("flakyStep").asText()) && execution <= data.path("failTimes").asInt());
        if (fails) {
            return Uni.createFrom().failure(new RuntimeException("media API failed for " + step + " (simulated)"));
        }
        if (step.equals(data.path("nonRetriableStep").asText())) {
            return Uni.createFrom().failure(new NonRetriableException("unsupported codec (simulated)"));
        }
        if (step.equals(data.path("rateLimitedStep").asText()) && execution <= data.path("failTimes").asInt()) {
            return Uni.createFrom().failure(
                    new RetryAfterException("rate limited (simulated)", java.time.Duration.ofSeconds(2)));
        }
        return Uni.createFrom().item(new Task("task_" + step.replace('-', '_') + "_" + mediaId, "completed",
                data.path("sourceUrl").asText(), Map.of("url", "https://cdn.example/" + mediaId + "/" + step + "." + extension)));
    }
}
