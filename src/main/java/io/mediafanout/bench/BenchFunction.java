package io.mediafanout.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.FunctionDefinition;
import io.mediafanout.inngest.Trigger;
import io.mediafanout.media.domain.Branch;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * Benchmark mode only ({@code -Dmediafanout.bench-function=true}, see bench/README.md): the fan-out function with
 * the same id, steps and results as the TypeScript reference app, but step bodies that do no I/O, so that the
 * benchmark measures the serve protocol (parsing, replay, signing, JSON) of both SDKs and nothing else. Like the
 * reference app, {@code event.data.failStep} makes that step fail every attempt (scenario F of the transcripts). It
 * replaces {@code FanoutFunction} while the property is set.
 */
@Singleton
public class BenchFunction {

    public static final String PROPERTY = "mediafanout.bench-function";

    @RegisterForReflection
    public record Task(String id, String status, String input, Map<String, String> output) {
    }

    /** A branch step body: the task made for {@code step} from the event data. */
    @FunctionalInterface
    public interface BranchBody {
        Uni<Task> run(JsonNode data, String step);
    }

    /** The reference app's file extension of each branch's output. */
    private static final Map<Branch, String> EXTENSIONS = Map.of(Branch.HLS_PACKAGE, "m3u8", Branch.POSTER_IMAGE, "jpg",
            Branch.GIF_PREVIEW, "gif", Branch.AUDIO_TRANSCRIPTION, "vtt");

    @Produces
    @Singleton
    @LookupIfProperty(name = PROPERTY, stringValue = "true")
    FunctionDefinition benchFanout() {
        return definition(BenchFunction::referenceTask, data -> {
        });
    }

    /**
     * What the reference app's step body does: the finished task, unless {@code event.data.failStep} names this step,
     * which then fails every attempt with the reference app's error (scenario F: retried, then failed for good).
     */
    public static Uni<Task> referenceTask(JsonNode data, String step) {
        if (step.equals(data.path("failStep").asText())) {
            return Uni.createFrom().failure(simulatedFailure(step));
        }
        return Uni.createFrom().item(completedTask(data, step));
    }

    /** The error the reference app's media API throws for a failing step. */
    public static RuntimeException simulatedFailure(String step) {
        return new RuntimeException("media API failed for " + step + " (simulated)");
    }

    /**
     * The reference function's shape: four parallel steps whose bodies are {@code branch}, then {@code assemble}
     * (after {@code beforeAssemble}). Shared with the test twin that adds failure switches.
     */
    public static FunctionDefinition definition(BranchBody branch, Consumer<JsonNode> beforeAssemble) {
        return FunctionDefinition.builder("fanout-adaptive-streaming")
                .trigger(Trigger.event("video/uploaded"))
                .retries(3)
                .handler((ctx, step) -> {
                    JsonNode data = ctx.event().data();
                    List<Uni<Task>> tasks = Arrays.stream(Branch.values())
                            .map(b -> step.run(b.id(), Task.class, () -> branch.run(data, b.id()))).toList();
                    return Uni.combine().all().unis(tasks).with(results -> results.stream().map(Task.class::cast).toList())
                            .chain(made -> step.run("assemble", ObjectNode.class, () -> {
                                beforeAssemble.accept(data);
                                // {id, status, hlsUrl, posterUrl, gifUrl, transcriptionUrl}, as the reference app's
                                ObjectNode media = JsonNodeFactory.instance.objectNode()
                                        .put("id", data.path("mediaId").asText()).put("status", "ready");
                                for (int i = 0; i < made.size(); i++) {
                                    media.put(Branch.values()[i].resultField(), made.get(i).output().get("url"));
                                }
                                return Uni.createFrom().item(media);
                            }));
                })
                .build();
    }

    /** The finished task the reference app returns for {@code step}. */
    public static Task completedTask(JsonNode data, String step) {
        String mediaId = data.path("mediaId").asText();
        return new Task("task_" + step.replace('-', '_') + "_" + mediaId, "completed", data.path("sourceUrl").asText(),
                Map.of("url", "https://cdn.example/" + mediaId + "/" + step + "."
                        + EXTENSIONS.get(Branch.byId(step).orElseThrow())));
    }
}
