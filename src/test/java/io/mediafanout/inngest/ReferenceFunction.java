package io.mediafanout.inngest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.bench.BenchFunction;
import io.mediafanout.bench.BenchFunction.Task;
import io.quarkus.arc.properties.IfBuildProperty;
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

    private static final Map<String, AtomicInteger> EXECUTIONS = new ConcurrentHashMap<>();

    public static int executions(String mediaId, String step) {
        AtomicInteger count = EXECUTIONS.get(mediaId + "/" + step);
        return count == null ? 0 : count.get();
    }

    @Produces
    @Singleton
    FunctionDefinition fanout() {
        return BenchFunction.definition(ReferenceFunction::task, data -> count(data, "assemble"));
    }

    private static int count(JsonNode data, String step) {
        return EXECUTIONS.computeIfAbsent(data.path("mediaId").asText() + "/" + step, k -> new AtomicInteger())
                .incrementAndGet();
    }

    private static Uni<Task> task(JsonNode data, String step) {
        int execution = count(data, step);
        boolean fails = step.equals(data.path("failStep").asText())
                || (step.equals(data.path("flakyStep").asText()) && execution <= data.path("failTimes").asInt());
        if (fails) {
            return Uni.createFrom().failure(BenchFunction.simulatedFailure(step));
        }
        if (step.equals(data.path("nonRetriableStep").asText())) {
            return Uni.createFrom().failure(new NonRetriableException("unsupported codec (simulated)"));
        }
        if (step.equals(data.path("rateLimitedStep").asText()) && execution <= data.path("failTimes").asInt()) {
            return Uni.createFrom().failure(
                    new RetryAfterException("rate limited (simulated)", java.time.Duration.ofSeconds(2)));
        }
        return Uni.createFrom().item(BenchFunction.completedTask(data, step));
    }
}
