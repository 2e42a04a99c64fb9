package io.mediafanout.inngest;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.execution.StepIds;
import io.mediafanout.inngest.serve.ServeLimits;
import io.mediafanout.testing.Transcript;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;

/**
 * What one call from Inngest costs the heap, the figure the admission's default is sized from
 * ({@link ServeLimits#HEAP_PER_CALL}, README "Sizing"): the bytes the server's threads allocate per call (an upper
 * bound of what a call holds at once), for the calls of a typical run (the bench twin's discovery, a targeted step
 * and the final replay) and for the final replay of a run of 900 steps. Prints the figures; the bounds only catch a
 * call that outgrew the budget.
 */
@QuarkusTest
@TestProfile(CallHeapCostTests.Profile.class)
class CallHeapCostTests {

    static final int STEPS = 900;

    /**
     * The reference app's function (the transcripts' answers) beside {@code many-steps}: not bench mode, whose switch
     * serves the bench package's functions only.
     */
    public static class Profile extends io.mediafanout.testing.ReferenceAppProfile {
        @Override
        protected Map<String, String> extra() {
            return Map.of("test.many-steps", "true");
        }
    }

    /** {@code many-steps}: 900 steps one after the other, each returning its index. */
    @Singleton
    static class ManySteps {
        @Produces
        @Singleton
        @LookupIfProperty(name = "test.many-steps", stringValue = "true")
        FunctionDefinition manySteps() {
            return FunctionDefinition.builder("many-steps").trigger(Trigger.event("test/many-steps")).retries(0)
                    .handler((ctx, step) -> chain(step, 0)).build();
        }

        private static Uni<Integer> chain(Step step, int i) {
            return i == STEPS ? Uni.createFrom().item(i)
                    : step.run("s" + i, Integer.class, () -> Uni.createFrom().item(i)).chain(ignored -> chain(step, i + 1));
        }
    }

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aCallCostsWithinTheHeapBudgetOfTheSizingRule() throws Exception {
        Map<String, Long> figures = new HashMap<>();
        for (String file : new String[] { "02-A-post-discovery-no-state.json", "03-A-post-run-hls-package.json",
                "10-A-post-final-all-memo.json" }) {
            Transcript t = Transcript.load(file);
            figures.put(file, perCall(URI.create(serveUrl + "?" + t.pathAndQuery().replaceFirst("^[^?]*\\?", "")),
                    t.requestBody(), t.status()));
        }
        String body = manyStepsBody();
        long many = perCall(URI.create(serveUrl + "?fnId=media-pipeline-many-steps&stepId=step"), body, 200);
        System.out.printf("heap per call (bytes allocated by the server's threads): typical %s; final replay of a "
                + "%d-step run (%d KiB body) %d KiB%n", figures.entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .map(e -> e.getKey().substring(0, 2) + " " + e.getValue() / 1024 + " KiB").toList(),
                STEPS, body.length() / 1024, many / 1024);
        assertThat(figures.values()).allMatch(bytes -> bytes < ServeLimits.HEAP_PER_CALL / 4);
        assertThat(many).isGreaterThan(ServeLimits.HEAP_PER_CALL / 8).isLessThan(ServeLimits.HEAP_PER_CALL * 8);
    }

    /** Bytes allocated by the event loops and workers per call, over 200 calls after 100 to warm up. */
    private long perCall(URI url, String body, int status) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        for (int i = 0; i < 100; i++) {
            assertThat(http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(status);
        }
        long before = serverAllocation();
        int calls = 200;
        for (int i = 0; i < calls; i++) {
            http.send(request, HttpResponse.BodyHandlers.discarding());
        }
        return (serverAllocation() - before) / calls;
    }

    private static long serverAllocation() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vert.x-eventloop") || t.getName().startsWith("executor-thread"))
                .mapToLong(Thread::getId).toArray();
        return Arrays.stream(threads.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum();
    }

    private static String manyStepsBody() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode event = root.putObject("event").put("name", "test/many-steps").put("id", "01EVENT").put("ts", 1);
        event.putObject("data");
        root.putArray("events").add(event);
        ObjectNode steps = root.putObject("steps");
        var stack = json.createArrayNode();
        for (int i = 0; i < STEPS; i++) {
            String hash = StepIds.hash("s" + i);
            steps.putObject(hash).put("data", i);
            stack.add(hash);
        }
        ObjectNode ctx = root.putObject("ctx").put("run_id", "01RUNMANYSTEPS").put("step_id", "step").put("attempt", 0)
                .put("max_attempts", 1).put("disable_immediate_execution", false).put("use_api", false);
        ctx.putObject("stack").put("current", STEPS).set("stack", stack);
        root.put("version", 2);
        return root.toString();
    }
}
