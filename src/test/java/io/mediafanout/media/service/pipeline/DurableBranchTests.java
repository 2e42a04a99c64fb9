package io.mediafanout.media.service.pipeline;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.inngest.TestHashes;
import io.mediafanout.media.MediaFixture;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeIttybit;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * A branch's durable wait, as Inngest (the executor emulator, with scaled time) holds it, in the default test
 * profile (no webhooks: durable polling, 1 s doubling to 4 s): a task that ends failed is replaced by exactly one
 * new task, and a run's slot time (time inside calls to the service) stays small whatever the task's length. The
 * production schedule (2 s doubling to 10 min, 28 reads) is in {@link DurableBranchScheduleTests} below.
 */
@QuarkusTest
class DurableBranchTests {

    static final String FN = MediaFixture.FANOUT;

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    static String newMediaId() {
        return MediaFixture.newId("dur");
    }

    /**
     * Production's path ({@code POST /media}, then Inngest runs the {@code video/uploaded} the API sent), with Inngest
     * time scaled. No event ends a wait here (no webhooks): the time the run only waits is skipped as well.
     */
    static ExecutorEmulator.Run run(URI serveUrl, String mediaId, double timeScale) throws Exception {
        JsonNode uploaded = MediaFixture.of(serveUrl).upload(mediaId);
        try (ExecutorEmulator emulator = MediaFixture.of(serveUrl).emulator(FN, 3).timeScale(timeScale).skipIdleTime()) {
            return emulator.runEvent(uploaded);
        }
    }

    static JsonPath media(String mediaId) {
        return MediaFixture.media(mediaId);
    }

    /** The step ids of one task of a branch: its wait, its create step, and {@code reads} reads and their sleeps. */
    static Set<String> taskSteps(String id, int reads) {
        return Stream.concat(Stream.of(id + "-ended", id, id + "-result"),
                IntStream.range(1, reads).boxed().flatMap(n -> Stream.of(id + "-result-" + n,
                        n == 1 ? id + "-backoff" : id + "-backoff-" + (n - 1))))
                .collect(Collectors.toSet());
    }

    static Set<String> hashes(Set<String> ids) {
        return ids.stream().map(TestHashes::of).collect(Collectors.toSet());
    }

    /**
     * How many of a run's steps call Ittybit: the create step and the reads of each task (generation) of each branch.
     * When Ittybit answers at once, each makes exactly one request.
     */
    static long ittybitSteps(ExecutorEmulator.Run run) {
        Set<String> ids = new java.util.HashSet<>();
        for (Branch each : Branch.values()) {
            String branch = each.id();
            for (int generation = 0; generation < 4; generation++) {
                String id = generation == 0 ? branch : branch + "-g" + generation;
                ids.add(id);
                ids.add(id + "-result");
                IntStream.range(1, 60).forEach(n -> ids.add(id + "-result-" + n));
            }
        }
        Set<String> hashes = hashes(ids);
        return run.steps().keySet().stream().filter(hashes::contains).count();
    }

    /**
     * No call waits for Ittybit, whatever the task's length: Ittybit got one request per create or read step (none
     * repeated while a call waited, or when a call replayed the memoised steps), and between two reads of a task
     * there is a sleep that Inngest held ({@code reads - 1} of them, all elapsed).
     */
    static void assertNoCallWaitsForIttybit(ExecutorEmulator.Run run, String mediaId, String branch, int reads) {
        assertThat(FakeIttybit.requests(mediaId)).as("Ittybit requests: one per create or read step")
                .hasSize((int) ittybitSteps(run));
        Set<String> sleeps = hashes(IntStream.range(1, reads)
                .mapToObj(n -> n == 1 ? branch + "-backoff" : branch + "-backoff-" + (n - 1)).collect(Collectors.toSet()));
        assertThat(run.pauses()).filteredOn(p -> sleeps.contains(p.id())).as(branch + ": sleeps between its reads")
                .hasSize(reads - 1).allSatisfy(p -> {
                    assertThat(p.op()).isEqualTo("Sleep");
                    assertThat(p.outcome()).isEqualTo("elapsed");
                });
    }

    /** Per call: how long the service held the call (what Inngest counts against the function's concurrency). */
    static DoubleSummaryStatistics callMillis(ExecutorEmulator.Run run) {
        return run.calls().stream().filter(c -> c.status() != 0).mapToDouble(ExecutorEmulator.Call::durationMillis)
                .summaryStatistics();
    }

    @Test
    void aTaskThatEndsFailedIsReplacedByExactlyOneNewTaskAndTheBranchCompletesWithItsOutput() throws Exception {
        String mediaId = newMediaId();
        FakeIttybit.script(mediaId, "video").failFirst(1);

        ExecutorEmulator.Run run = run(serveUrl, mediaId, 0.05);

        assertThat(run.status()).as("output: " + run.output()).isEqualTo("completed");
        List<FakeIttybit.Task> gifTasks = FakeIttybit.tasks(mediaId, "video").stream()
                .sorted(java.util.Comparator.comparing(FakeIttybit.Task::id)).toList();
        assertThat(gifTasks).as("the failed task and its one replacement").hasSize(2);
        assertThat(gifTasks).extracting(FakeIttybit.Task::idempotencyKey).doesNotContainNull().doesNotHaveDuplicates();
        assertThat(FakeIttybit.creates(mediaId, "video")).as("one create per task").hasSize(2);
        for (Branch branch : Branch.values()) {
            if (branch != Branch.GIF_PREVIEW) {
                assertThat(FakeIttybit.tasks(mediaId, branch.kind())).as(branch.kind()).hasSize(1);
                assertThat(FakeIttybit.creates(mediaId, branch.kind())).as(branch.kind() + " is created once")
                        .hasSize(1);
            }
        }
        String second = FakeIttybit.outputUrl(mediaId, "video", gifTasks.get(1).id());
        assertThat(run.output().path("gifUrl").asText()).isEqualTo(second);

        // the run has the next generation's steps, for this branch only, and no third generation
        assertThat(run.steps().keySet()).containsAll(hashes(Set.of("gif-preview", "gif-preview-ended",
                "gif-preview-result", "gif-preview-g1-ended", "gif-preview-g1", "gif-preview-g1-result")));
        assertThat(run.steps().keySet()).doesNotContain(TestHashes.of("gif-preview-g2"),
                TestHashes.of("hls-package-g1"), TestHashes.of("poster-image-g1"),
                TestHashes.of("audio-transcription-g1"));
        assertThat(run.pausesFor(TestHashes.of("gif-preview-g1-ended"))).singleElement()
                .satisfies(p -> assertThat(p.outcome()).isEqualTo("timeout"));
        // no step call failed: the replacement is a new generation of steps, not an Inngest retry
        assertThat(run.calls()).allSatisfy(c -> assertThat(c.ops()).doesNotContain("StepError", "StepFailed"));

        JsonPath media = media(mediaId);
        assertThat(media.getString("status")).isEqualTo("ready");
        assertThat(media.getString("gifUrl")).isEqualTo(second);
        assertThat(media.getList("branches.status")).containsOnly("completed").hasSize(4);
    }

    @Test
    void theSlotTimeOfARunStaysSmallPerCallAndDoesNotGrowWithTheTaskLength() throws Exception {
        double scale = 0.02;
        String shortMedia = newMediaId();
        ExecutorEmulator.Run shortRun = run(serveUrl, shortMedia, scale);
        String longMedia = newMediaId();
        // 12 reads find the task processing: 1 + 1 + 2 + 4 × 10 = 44 s of Inngest time for this branch
        FakeIttybit.script(longMedia, "adaptive_video").readsBeforeEnd = 12;
        ExecutorEmulator.Run longRun = run(serveUrl, longMedia, scale);

        assertThat(shortRun.status()).isEqualTo("completed");
        assertThat(longRun.status()).isEqualTo("completed");
        assertThat(FakeIttybit.tasks(longMedia, "adaptive_video")).singleElement()
                .satisfies(t -> assertThat(t.reads().get()).isEqualTo(13));
        DoubleSummaryStatistics shortCalls = callMillis(shortRun);
        DoubleSummaryStatistics longCalls = callMillis(longRun);
        double simulatedLong = longRun.pauses().stream().filter(p -> hashes(taskSteps("hls-package", 13))
                .contains(p.id())).mapToLong(ExecutorEmulator.Pause::scheduledMillis).sum() / scale;
        String report = String.format("slot time: short task %.0f ms in %d calls (mean %.1f, max %.1f ms); "
                + "long task (%.0f s simulated) %.0f ms in %d calls (mean %.1f, max %.1f ms)", shortRun.slotMillis(),
                shortCalls.getCount(), shortCalls.getAverage(), shortCalls.getMax(), simulatedLong / 1000,
                longRun.slotMillis(), longCalls.getCount(), longCalls.getAverage(), longCalls.getMax());
        System.err.println(report);

        assertThat(simulatedLong).as("the long task's Inngest time").isGreaterThanOrEqualTo(44_000 * 0.99);
        // no call waits for Ittybit (a fake answers in a millisecond; the timings above are for reading, not asserted:
        // a wall-clock bound fails on a busy machine and says nothing a count does not)
        assertNoCallWaitsForIttybit(shortRun, shortMedia, "hls-package", 2);
        assertNoCallWaitsForIttybit(longRun, longMedia, "hls-package", 13);
        // 22 times the short task's Inngest time (44 s, not 2 s) costs 11 more reads, each a step and a sleep: more
        // calls of the same kind, not longer ones, so the slot time does not follow the task's length
        assertThat(longRun.steps().size() - shortRun.steps().size()).as(report).isEqualTo(2 * (13 - 2));
        assertThat(ittybitSteps(longRun) - ittybitSteps(shortRun)).as("extra Ittybit steps").isEqualTo(13 - 2);
    }
}

/**
 * The production polling schedule ({@code media.ittybit.poll.initial-delay} 2 s doubling to {@code max-delay}
 * 10 min, 28 reads at most) with Inngest time scaled by 0.0005: a task that runs for over two hours completes
 * within the documented step budget (a run stays under Inngest's 1,000 steps) with a slot time that is a sliver of
 * its length, and a task still running after the last read allowed fails the run for good, naming its branch.
 */
@QuarkusTest
@TestProfile(BranchSettingsProfile.class)
class DurableBranchScheduleTests {

    static final double SCALE = 0.0005;
    /**
     * Documented bound: 4 branches × (4 tasks × (2 + 2 × 28 − 1) steps + 2 × 10 rate-limit waits) + assemble +
     * media-ready.
     */
    static final int STEP_BUDGET = 4 * (4 * (2 + 2 * 28 - 1) + 2 * 10) + 2;

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @Test
    void aTwoHourTaskCompletesWithinTheStepBudgetAndASmallSlotTime() throws Exception {
        String mediaId = DurableBranchTests.newMediaId();
        // 21 reads find the task processing: 2 s + (2 + 4 + … + 512 s) + 12 × 10 min = 8,224 s of Inngest time
        FakeIttybit.script(mediaId, "adaptive_video").readsBeforeEnd = 21;

        ExecutorEmulator.Run run = DurableBranchTests.run(serveUrl, mediaId, SCALE);

        assertThat(run.status()).as("output: " + run.output()).isEqualTo("completed");
        assertThat(FakeIttybit.tasks(mediaId, "adaptive_video")).singleElement()
                .satisfies(t -> assertThat(t.reads().get()).isEqualTo(22));
        Set<String> hlsSteps = DurableBranchTests.hashes(DurableBranchTests.taskSteps("hls-package", 22));
        double simulated = run.pauses().stream().filter(p -> hlsSteps.contains(p.id()))
                .mapToLong(ExecutorEmulator.Pause::scheduledMillis).sum() / SCALE;
        assertThat(simulated).as("Inngest time the branch waited").isGreaterThanOrEqualTo(Duration.ofHours(2).toMillis());
        assertThat(run.steps().keySet()).containsAll(hlsSteps);
        // hls: wait + create + 22 reads + 21 sleeps; the others: wait + create + 2 reads + 1 sleep; assemble, media-ready
        assertThat(run.steps()).hasSize(45 + 3 * 5 + 2);
        assertThat(run.steps().size()).isLessThanOrEqualTo(STEP_BUDGET).isLessThanOrEqualTo(1000);
        assertThat(run.stepExecutions()).isLessThanOrEqualTo(1000);
        DoubleSummaryStatistics calls = DurableBranchTests.callMillis(run);
        String report = String.format("two-hour task: %.0f s simulated, %d steps, %d calls, slot time %.0f ms "
                + "(mean %.1f, max %.1f ms per call), %.1f s paused", simulated / 1000, run.steps().size(),
                calls.getCount(), run.slotMillis(), calls.getAverage(), calls.getMax(), run.waitedMillis() / 1000);
        System.err.println(report);
        // a sliver of its length: no call waits for Ittybit, the two hours are Inngest's sleeps between 22 reads
        DurableBranchTests.assertNoCallWaitsForIttybit(run, mediaId, "hls-package", 22);
        assertThat(DurableBranchTests.media(mediaId).getString("status")).isEqualTo("ready");
    }

    /**
     * The worst case of reads: every branch goes through its 4 tasks, each read 28 times (the last read finds it
     * failed). The run replays up to 912 memoised steps per call, fails for good naming a branch, and
     * stays under Inngest's 1,000 steps.
     */
    @Test
    void theWorstCaseRunStaysWithinTheStepBudget() throws Exception {
        String mediaId = DurableBranchTests.newMediaId();
        for (Branch branch : Branch.values()) {
            FakeIttybit.Script script = FakeIttybit.script(mediaId, branch.kind()).failTasks();
            script.readsBeforeEnd = 27;
        }

        ExecutorEmulator.Run run = DurableBranchTests.run(serveUrl, mediaId, SCALE / 5);

        assertThat(run.status()).as("output: " + run.output()).isEqualTo("failed");
        assertThat(run.output().path("message").asText()).contains(": Ittybit task").contains("ended failed");
        String failedBranch = run.output().path("message").asText().split(":")[0];
        for (Branch branch : Branch.values()) {
            if (branch.id().equals(failedBranch)) {
                // the branch that failed the run went through its 4 tasks, each read until it was found failed
                assertThat(FakeIttybit.tasks(mediaId, branch.kind())).as(branch.kind()).hasSize(4)
                        .allSatisfy(t -> assertThat(t.reads().get()).isEqualTo(28));
            } else {
                // the others were somewhere behind it (a task just created has no read yet)
                assertThat(FakeIttybit.tasks(mediaId, branch.kind())).as(branch.kind()).hasSizeBetween(1, 4)
                        .allSatisfy(t -> assertThat(t.reads().get()).isBetween(0, 28));
            }
        }
        DoubleSummaryStatistics calls = DurableBranchTests.callMillis(run);
        String report = String.format("worst case: %d steps, %d step executions, %d calls, slot time %.0f ms "
                + "(mean %.1f, max %.1f ms per call)", run.steps().size(), run.stepExecutions(), calls.getCount(),
                run.slotMillis(), calls.getAverage(), calls.getMax());
        System.err.println(report);
        // the branches run side by side: when the first uses up its tasks the others are a few reads behind (897 to
        // 912 steps seen), so the run replays close to the budget; how close depends on the calls' interleaving
        assertThat(run.steps().size()).as(report).isGreaterThan(800).isLessThanOrEqualTo(STEP_BUDGET);
        assertThat(run.stepExecutions()).as(report).isLessThanOrEqualTo(1000);
        // replaying up to 912 memoised steps executes none of them again: one Ittybit request per create or read step
        assertThat(FakeIttybit.requests(mediaId)).as(report).hasSize((int) DurableBranchTests.ittybitSteps(run));
    }

    @Test
    void aTaskStillRunningAfterTheLastReadFailsTheRunForGoodAndTheRecordNamesTheBranch() throws Exception {
        String mediaId = DurableBranchTests.newMediaId();
        FakeIttybit.script(mediaId, "image").readsBeforeEnd = 1_000;

        ExecutorEmulator.Run run = DurableBranchTests.run(serveUrl, mediaId, SCALE);

        assertThat(run.status()).isEqualTo("failed");
        String message = run.output().path("message").asText();
        assertThat(message).startsWith("poster-image: Ittybit task").contains("still processing")
                .contains("media.ittybit.poll.max-reads");
        assertThat(run.calls().get(run.calls().size() - 1).noRetry()).as("not retriable").isEqualTo("true");
        assertThat(run.calls()).filteredOn(c -> c.stepId().equals("step")).allSatisfy(c -> assertThat(c.attempt())
                .as("the function is not retried").isZero());
        assertThat(FakeIttybit.tasks(mediaId, "image")).as("no new task for a task still running").singleElement()
                .satisfies(t -> assertThat(t.reads().get()).isEqualTo(28));
        assertThat(run.steps().size()).isLessThanOrEqualTo(STEP_BUDGET);

        // Inngest then runs the failure handler, which records the failure
        assertThat(MediaFixture.of(serveUrl).runFailureHandler(mediaId, run).status()).isEqualTo("completed");
        JsonPath media = DurableBranchTests.media(mediaId);
        assertThat(media.getString("status")).isEqualTo("failed");
        assertThat(media.getString("failedBranch")).isEqualTo("poster-image");
        assertThat(media.getString("error.code")).isEqualTo("task_timed_out");
        assertThat(media.getString("branches.find { it.name == 'poster-image' }.error.code")).isEqualTo("task_timed_out");
        assertThat(media.getString("branches.find { it.name == 'poster-image' }.status")).isEqualTo("failed");
        List<String> others = new ArrayList<>(media.getList("branches.findAll { it.name != 'poster-image' }.status"));
        assertThat(others).hasSize(3).containsOnly("completed");
    }
}
