package io.mediafanout.bench;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.mediafanout.inngest.Event;
import io.mediafanout.inngest.FunctionDefinition;
import io.mediafanout.inngest.Step;
import io.mediafanout.inngest.Trigger;
import io.mediafanout.media.service.MediaEvents;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * Benchmark and conformance mode only ({@code -Dmediafanout.bench-function=true}): {@code durable-branches}, the
 * reference function of transcripts 60–73 (scenario W), with the same step ids, ops and return value. Two branches
 * each wait for {@code ittybit/task.ended} while the step that creates their task runs, sleep when the wait timed
 * out, then read the result; the run sends {@code media/ready} and returns the two URLs. No I/O besides the event.
 */
@Singleton
public class DurableBranchesFunction {

    @RegisterForReflection
    public record Created(String id, String status, String key) {
    }

    @RegisterForReflection
    public record Output(String url) {
    }

    @RegisterForReflection
    public record Result(String id, String status, Output output) {
    }

    @RegisterForReflection
    public record Ready(String mediaId, String hlsUrl, String posterUrl) {
    }

    @Produces
    @Singleton
    @LookupIfProperty(name = BenchFunction.PROPERTY, stringValue = "true")
    FunctionDefinition durableBranches() {
        return FunctionDefinition.builder("durable-branches")
                .trigger(Trigger.event("video/uploaded"))
                .retries(3)
                .handler((ctx, step) -> {
                    String mediaId = ctx.event().data().path("mediaId").asText();
                    return Uni.combine().all()
                            .unis(branch(step, mediaId, "hls-package"), branch(step, mediaId, "poster-image"))
                            .asTuple()
                            .chain(done -> {
                                Ready ready = new Ready(mediaId, done.getItem1().output().url(),
                                        done.getItem2().output().url());
                                Event event = Event.of("media/ready", JsonNodeFactory.instance.objectNode()
                                        .put("mediaId", ready.mediaId()).put("hlsUrl", ready.hlsUrl())
                                        .put("posterUrl", ready.posterUrl()), null);
                                return step.sendEvent("media-ready", List.of(event)).replaceWith(ready);
                            });
                })
                .build();
    }

    private static Uni<Result> branch(Step step, String mediaId, String name) {
        String key = mediaId + ":" + name + ":0";
        Uni<Optional<Event>> ended = step.waitForEvent(name + "-ended", MediaEvents.TASK_ENDED, "async.data.key == '" + key + "'",
                Duration.ofHours(2));
        Uni<Created> created = step.run(name, Created.class,
                () -> Uni.createFrom().item(new Created("task_" + name, "processing", key)));
        return Uni.combine().all().unis(ended, created).asTuple()
                .chain(both -> (both.getItem1().isPresent() ? Uni.createFrom().voidItem()
                        : step.sleep(name + "-backoff", Duration.ofSeconds(30)))
                        .chain(() -> step.run(name + "-result", Result.class,
                                () -> Uni.createFrom().item(new Result(both.getItem2().id(), "completed",
                                        new Output("https://cdn.example/" + mediaId + "/" + name))))));
    }
}
