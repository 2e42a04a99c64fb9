package io.mediafanout.reliability;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.media.MediaFixture;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.FailureCode;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeIttybit;
import io.quarkus.logging.Log;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Runs in parallel against an Ittybit that misbehaves — 5xx bursts, 429 with Retry-After, answers slower than the
 * client's timeout, broken connections, tasks ending failed, and all of them at once: every run ends as its faults
 * decide (ready when every fault is transient, failed naming the branch and the reason when a branch's tasks keep
 * failing), and no (media, branch) ever gets a second task unless its first one ended failed (then exactly one new
 * task per failed one, at most 4). Branches wait between steps (Inngest holds the waits), so every
 * fault is met either by the Ittybit client's own retries or by Inngest retrying the one step that failed.
 */
@QuarkusTest
class IttybitFaultMatrixTests {

    /** Slow answers come a second after the Ittybit client's read timeout ({@code %test}: 2 s). */
    static Duration slowerThanTheTimeout() {
        return Duration.ofMillis(ConfigProvider.getConfig()
                .getValue("quarkus.rest-client.ittybit.read-timeout", Long.class) + 1_000);
    }

    static final String FN = MediaFixture.FANOUT;

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    private ExecutorEmulator.Run run(String fnId, String event, ObjectNode data, int retries) {
        try {
            return new ExecutorEmulator(serveUrl, fnId, Optional.empty(), retries, Duration.ofMillis(300))
                    .connectionRetryDelay(Duration.ofMillis(100)).skipIdleTime()
                    .run(event, data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The whole lifecycle on production's path: {@code POST /media}, the run of the {@code video/uploaded} the API
     * sent, and Inngest's failure handler (with that event) when the run failed.
     */
    private String runToTheEnd(String mediaId) {
        try {
            JsonNode uploaded = MediaFixture.of(serveUrl).upload(mediaId);
            ExecutorEmulator.Run run;
            try (ExecutorEmulator emulator = new ExecutorEmulator(serveUrl, FN, Optional.empty(), 3,
                    Duration.ofMillis(300)).connectionRetryDelay(Duration.ofMillis(100)).skipIdleTime()) {
                run = emulator.runEvent(uploaded);
            }
            if (run.status().equals("failed")) {
                run(MediaFixture.FAILURE_HANDLER, MediaFixture.FAILURE_EVENT,
                        MediaFixture.failureEvent(uploaded, run.output()), 1);
            }
            return run.status();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** How a run must end: ready, or failed naming the branch that failed and why. */
    record Ending(String status, String failedBranch, FailureCode code) {
        static final Ending READY = new Ending("ready", null, null);

        static Ending failed(String branch, FailureCode code) {
            return new Ending("failed", branch, code);
        }
    }

    /** What Ittybit does to one media's tasks, and the ending that is right for it. */
    record Fault(Consumer<String> script, Ending ending) {
    }

    /** The next {@code count} creates of the (media, kind) answer after the client has stopped waiting. */
    private static void slowCreates(String mediaId, String kind, int count) {
        FakeIttybit.Script script = FakeIttybit.script(mediaId, kind);
        script.slowCreates = count;
        script.slowBy = slowerThanTheTimeout();
    }

    @Test
    void everyRunEndsAsItsFaultsDecideAndNoBranchGetsASecondLiveTask() throws Exception {
        Map<String, Fault> faults = new LinkedHashMap<>();
        // transient faults that the client's own retries (5 attempts), Inngest's sleep for a Retry-After (the step
        // tried again after it) or Inngest's retry of the one step that failed get past: the run is ready
        faults.put("5xx bursts", new Fault(m -> FakeIttybit.script(m, "image").createFaults(500, 502, 503), Ending.READY));
        faults.put("429 with Retry-After", new Fault(m -> FakeIttybit.script(m, "video").readFaults(429).retryAfter = "1",
                Ending.READY));
        faults.put("429s past the branch's waits", new Fault(m -> FakeIttybit.script(m, "audio").createFaults(
                java.util.Collections.nCopies(11, 429).toArray(Integer[]::new)).retryAfter = "1",
                Ending.failed("audio-transcription", FailureCode.ITTYBIT_RATE_LIMITED)));
        faults.put("slower than the timeout", new Fault(m -> slowCreates(m, "audio", 1), Ending.READY));
        faults.put("broken connections", new Fault(m -> FakeIttybit.script(m, "adaptive_video").readFaults(0, 0),
                Ending.READY));
        // every task of the poster fails: after the first task and its three replacements, the branch fails for good
        faults.put("tasks ending failed", new Fault(m -> FakeIttybit.script(m, "image").failTasks(),
                Ending.failed("poster-image", FailureCode.TASK_FAILED)));
        // one failed task is replaced by a new one, which completes
        faults.put("a first task ending failed", new Fault(m -> FakeIttybit.script(m, "audio").failFirst(1), Ending.READY));
        // each of these is got past alone, so all of them are together (six 500s exceed one step attempt's retries:
        // that read step fails once and Inngest retries it)
        faults.put("all at once", new Fault(m -> {
            FakeIttybit.script(m, "image").createFaults(503, 0);
            FakeIttybit.script(m, "video").readFaults(429, 500, 0).retryAfter = "1";
            slowCreates(m, "audio", 2);
            FakeIttybit.script(m, "adaptive_video").readFaults(500, 500, 500, 500, 500, 500);
        }, Ending.READY));
        Map<String, String> mediaByFault = new LinkedHashMap<>();
        Map<String, CompletableFuture<String>> runs = new LinkedHashMap<>();
        for (var fault : faults.entrySet()) {
            String mediaId = MediaFixture.newId("fault");
            fault.getValue().script().accept(mediaId);
            mediaByFault.put(fault.getKey(), mediaId);
            runs.put(fault.getKey(), CompletableFuture.supplyAsync(() -> runToTheEnd(mediaId)));
        }
        CompletableFuture.allOf(runs.values().toArray(CompletableFuture[]::new)).join();

        StringBuilder report = new StringBuilder("Ittybit fault matrix:");
        for (var entry : mediaByFault.entrySet()) {
            String mediaId = entry.getValue();
            Ending expected = faults.get(entry.getKey()).ending();
            JsonPath media = given().get("/media/" + mediaId).then().statusCode(200).extract().jsonPath();
            String status = media.getString("status");
            report.append("\n  ").append(entry.getKey()).append(": ").append(status)
                    .append(status.equals("failed") ? " (" + media.getString("failedBranch") + ": " + media.getString("error.code") + ")" : "");
            assertThat(runs.get(entry.getKey()).join()).as(entry.getKey() + ": the run")
                    .isEqualTo(expected.code() == null ? "completed" : "failed");
            assertThat(status).as(entry.getKey()).isEqualTo(expected.status());
            assertThat(media.getString("failedBranch")).as(entry.getKey() + " branch").isEqualTo(expected.failedBranch());
            if (expected.code() == null) {
                assertThat(media.getMap("error")).as(entry.getKey() + " error").isNull();
            } else {
                assertThat(media.getString("error.code")).as(entry.getKey() + " reason").isEqualTo(expected.code().code());
                assertThat(media.getString("error.message")).as(entry.getKey() + " message")
                        .isEqualTo(expected.code().message());
            }
            for (Branch branch : Branch.values()) {
                String kind = branch.kind();
                List<FakeIttybit.Task> tasks = FakeIttybit.tasks(mediaId, kind);
                FakeIttybit.Script script = FakeIttybit.script(mediaId, kind);
                // a task that ended failed is replaced by one new task (its generation), up to 4 tasks a branch
                // a branch rate-limited past its waits never got a task
                int expectedTasks = expected.code() == FailureCode.ITTYBIT_RATE_LIMITED
                        && branch.id().equals(expected.failedBranch()) ? 0
                        : script.fail ? 4 : Math.min(4, script.failFirst + 1);
                assertThat(tasks.size()).as(entry.getKey() + ": tasks of " + kind).isEqualTo(expectedTasks);
            }
        }
        Log.info(report);
        // the faults did happen: the client had to try again
        assertThat(FakeIttybit.creates(mediaByFault.get("5xx bursts"), "image")).hasSize(4);
        assertThat(FakeIttybit.creates(mediaByFault.get("slower than the timeout"), "audio")).hasSizeGreaterThan(1);
        String broken = mediaByFault.get("broken connections");
        String hlsTask = FakeIttybit.tasks(broken, "adaptive_video").get(0).id();
        assertThat(FakeIttybit.server().received(r -> r.path().equals("/tasks/" + hlsTask))).hasSizeGreaterThan(2);
        assertThat(FakeIttybit.script(broken, "adaptive_video").readFaults).as("every broken read was used").isEmpty();
    }
}
