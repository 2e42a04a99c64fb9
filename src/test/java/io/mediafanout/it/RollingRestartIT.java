package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.PackagedApp;
import io.mediafanout.testing.PackagedApp.Replica;
import io.mediafanout.testing.RoundRobinProxy;

/**
 * A rolling restart as Kubernetes does it, with uploads in flight: two packaged replicas started as 256 MiB pods
 * behind a Service whose endpoints keep a terminating replica for 2 s after its SIGTERM (refused connections are
 * failed calls for the Service's clients); each replica in turn gets SIGTERM, exits, starts again and rejoins once
 * ready, while clients keep uploading through the Service. With the drain (the pod serves, unready, for
 * {@code quarkus.shutdown.delay}, then finishes what it accepted) no call from Inngest and no upload is refused, cut or
 * answered 5xx; every run completes with one Ittybit task per branch. Without the delay
 * ({@code -Drolling.delay=PT0S}) the pod stops listening once its calls are done, inside the endpoints' lag.
 * <p>
 * Both tests run on the same two replicas, started before them (whichever test comes first, the other finds two
 * ready pods behind the Service, as after any rollout or outage): two starts fewer in {@code verify}.
 */
class RollingRestartIT {

    static final int RUNS = Integer.getInteger("rolling.runs", 150);
    /** How long the endpoints keep a terminating replica (the Service: 2 s). */
    static final Duration ENDPOINT_LAG = Duration.ofSeconds(2);
    static final String FN = PackagedFixture.FANOUT;
    /** Runs start one every 150 ms: 150 of them over 22 s, long enough for both restarts to meet runs in flight. */
    static final Duration STAGGER = Duration.ofMillis(150);
    /** How long PostgreSQL is down in the outage test. */
    static final Duration OUTAGE = Duration.ofSeconds(6);
    /** {@code -Drolling.delay=PT0S} shows what the drain prevents; unset, the shipped {@code quarkus.shutdown.delay}. */
    static final String DELAY = System.getProperty("rolling.delay");

    @RegisterExtension
    static final PackagedApp app = PackagedApp.create().withFakes().devMode()
            .set("media.reconciler.every", "off")
            .set("media.api.rate-limit-per-second", "1000").set("media.api.rate-limit-burst", "1000")
            .setAll(DELAY == null ? Map.of() : Map.of("quarkus.shutdown.delay", DELAY))
            .asPod(256).startBeforeAll(2);

    @Test
    void replicasRestartedInTurnWithUploadsInFlightFailNoCall() throws Exception {
        String batch = UUID.randomUUID().toString().substring(0, 6);
        List<String> mediaIds = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            String mediaId = "roll-" + batch + "-" + i;
            mediaIds.add(mediaId);
            PackagedFixture.branches().forEach(
                    branch -> FakeIttybit.script(mediaId, branch.kind()).completeAfter(Duration.ofSeconds(4)));
        }
        List<Replica> replicas = app.replicas();
        try (RoundRobinProxy service = RoundRobinProxy.service(replicas.stream().map(Replica::port).toList())) {
            Map<String, JsonNode> uploaded = PackagedFixture.uploadAll(service.url("/"), mediaIds);
            ExecutorEmulator.resetConcurrency();
            ExecutorEmulator emulator = new ExecutorEmulator(service.url("/api/inngest"), FN, Optional.empty(), 3,
                    Duration.ofMillis(500)).connectionRetryDelay(Duration.ofMillis(500))
                    .concurrency(FakeInngestApi.syncedFunction(service.url("/api/inngest"), FN));
            Map<String, ExecutorEmulator.Run> runs = new ConcurrentHashMap<>();
            Map<String, Throwable> failures = new ConcurrentHashMap<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                String mediaId = mediaIds.get(i);
                long startAfter = i * STAGGER.toMillis();
                Thread thread = new Thread(null, () -> {
                    try {
                        Thread.sleep(startAfter); // uploads keep coming: runs start over the whole rollout
                        runs.put(mediaId, emulator.runEvent(uploaded.get(mediaId)));
                    } catch (Throwable e) {
                        failures.put(mediaId, e);
                    }
                }, "rolling-run", 256 * 1024);
                thread.setDaemon(true);
                threads.add(thread);
            }
            long t0 = System.nanoTime();
            threads.forEach(Thread::start);

            // once the runs are under way: each replica in turn, as a rollout replaces a pod
            PackagedFixture.await("a tenth of the records have tasks", Duration.ofMinutes(2),
                    () -> mediaIds.stream().filter(id -> !FakeIttybit.tasks(id).isEmpty()).limit(RUNS / 10).count()
                            >= RUNS / 10);
            // and clients keep uploading through the Service meanwhile, one every 50 ms
            java.util.concurrent.atomic.AtomicBoolean restarting = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<String> uploadProblems = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
            Thread uploader = new Thread(() -> {
                for (int n = 0; restarting.get(); n++) {
                    try {
                        PackagedFixture.upload(service.url("/"), "late-" + batch + "-" + n);
                        accepted.incrementAndGet();
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Throwable e) {
                        uploadProblems.add(e.toString());
                    }
                }
            }, "rolling-uploader");
            uploader.setDaemon(true);
            uploader.start();
            List<String> restarts = new ArrayList<>();
            try {
                for (Replica replica : replicas) {
                    int doneBefore = runs.size();
                    service.leave(replica.port(), ENDPOINT_LAG);
                    Duration exit = replica.terminate();
                    replica.relaunch().awaitReady();
                    service.join(replica.port());
                    restarts.add(String.format("replica %d: exited %.1f s after SIGTERM (%d runs done before)",
                            replica.port(), exit.toMillis() / 1000.0, doneBefore));
                }
            } finally {
                // the other test runs on these replicas: a restart that failed here leaves it two ready ones
                for (Replica replica : replicas) {
                    if (!replica.isAlive()) {
                        replica.relaunch().awaitReady();
                    }
                }
            }

            restarting.set(false);
            uploader.join(Duration.ofSeconds(30).toMillis());

            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            for (Thread thread : threads) {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            emulator.close();
            List<ExecutorEmulator.Call> failed = runs.values().stream().flatMap(run -> run.calls().stream())
                    .filter(call -> call.status() == 0 || call.status() >= 500).toList();
            System.out.printf("rolling restart: %d runs on 2 replicas, %s; %d completed in %.1f s; failed calls %d "
                    + "(refused %d, cut %d, 5xx %d); %d answers closed their connection; uploads during the restarts "
                    + "%d accepted, %d failed%n", RUNS, restarts, runs.values().stream()
                    .filter(r -> r.status().equals("completed")).count(), (System.nanoTime() - t0) / 1e9, failed.size(),
                    service.refused(), service.cut(), service.serverErrors(), service.closingAnswers(), accepted.get(),
                    uploadProblems.size());

            assertThat(failures).as("runs that threw").isEmpty();
            assertThat(runs).hasSize(RUNS);
            assertThat(runs.values()).allSatisfy(run -> assertThat(run.status()).isEqualTo("completed"));
            assertThat(service.refused()).as("calls refused").isZero();
            assertThat(service.cut()).as("calls cut").isZero();
            assertThat(service.serverErrors()).as("calls answered 5xx").isZero();
            // a draining replica ends keep-alive connections after their answer instead of cutting them
            assertThat(service.closingAnswers()).as("answers with Connection: close").isPositive();
            assertThat(failed).as("failed calls, as Inngest saw them").isEmpty();
            assertThat(uploadProblems).as("uploads during the restarts that failed").isEmpty();
            assertThat(accepted.get()).as("uploads accepted during the restarts").isPositive();
            PackagedFixture.assertReadyWithOneTaskPerBranch(app, mediaIds);
            for (Replica replica : replicas) {
                assertThat(replica.logText()).as(replica.log().toString())
                        .doesNotContain("Timed out waiting for graceful shutdown");
            }
        }
    }

    /**
     * PostgreSQL restarts mid-burst (down for {@code OUTAGE}): the pods stay alive and ready (readiness follows no
     * dependency), the calls that needed the database fail fast and Inngest retries them with its backoff, and once
     * the database is back every run completes with one task per branch; no pod was restarted.
     */
    @Test
    void aPostgresRestartDuringABurstKeepsThePodsUpAndEveryRunCompletes() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.mediafanout.testing.PostgresTestResource.restartable(),
                "an external server (TEST_PG_ADMIN_URL) is not restarted");
        String batch = UUID.randomUUID().toString().substring(0, 6);
        List<String> mediaIds = new ArrayList<>();
        int runsCount = RUNS / 2;
        for (int i = 0; i < runsCount; i++) {
            String mediaId = "pgdown-" + batch + "-" + i;
            mediaIds.add(mediaId);
            PackagedFixture.branches().forEach(
                    branch -> FakeIttybit.script(mediaId, branch.kind()).completeAfter(Duration.ofSeconds(2)));
        }
        List<Replica> replicas = app.replicas();
        try (RoundRobinProxy service = RoundRobinProxy.service(replicas.stream().map(Replica::port).toList())) {
            Map<String, JsonNode> uploaded = PackagedFixture.uploadAll(service.url("/"), mediaIds);
            ExecutorEmulator.resetConcurrency();
            // Inngest's retries, as its backoff spaces them (scaled down): 2, 4, 8 s
            ExecutorEmulator emulator = new ExecutorEmulator(service.url("/api/inngest"), FN, Optional.empty(), 3,
                    Duration.ofSeconds(5)).retryBackoff(Duration.ofSeconds(2))
                    .concurrency(FakeInngestApi.syncedFunction(service.url("/api/inngest"), FN));
            Map<String, ExecutorEmulator.Run> runs = new ConcurrentHashMap<>();
            Map<String, Throwable> failures = new ConcurrentHashMap<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < runsCount; i++) {
                String mediaId = mediaIds.get(i);
                long startAfter = i * STAGGER.toMillis();
                Thread thread = new Thread(null, () -> {
                    try {
                        Thread.sleep(startAfter);
                        runs.put(mediaId, emulator.runEvent(uploaded.get(mediaId)));
                    } catch (Throwable e) {
                        failures.put(mediaId, e);
                    }
                }, "pgdown-run", 256 * 1024);
                thread.setDaemon(true);
                threads.add(thread);
            }
            threads.forEach(Thread::start);
            PackagedFixture.await("a tenth of the records have tasks", Duration.ofMinutes(2),
                    () -> mediaIds.stream().filter(id -> !FakeIttybit.tasks(id).isEmpty()).limit(runsCount / 10).count()
                            >= runsCount / 10);
            int doneBefore = runs.size();
            io.mediafanout.testing.PostgresTestResource.stopServer();
            List<Integer> health = new ArrayList<>();
            try {
                Thread.sleep(OUTAGE.toMillis() / 2);
                for (Replica replica : replicas) {
                    health.add(replica.get("/q/health/ready").statusCode());
                    health.add(replica.get("/q/health/live").statusCode());
                }
                Thread.sleep(OUTAGE.toMillis() / 2);
            } finally {
                io.mediafanout.testing.PostgresTestResource.startAgain();
            }

            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            for (Thread thread : threads) {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            emulator.close();
            long retried = runs.values().stream().flatMap(run -> run.calls().stream())
                    .filter(call -> call.ops().contains("StepError") || call.status() >= 500).count();
            System.out.printf("postgres restart: %d runs, %d done before the %d s outage, %d calls failed and were "
                    + "retried, %d completed%n", runsCount, doneBefore, OUTAGE.toSeconds(), retried,
                    runs.values().stream().filter(r -> r.status().equals("completed")).count());

            assertThat(health).as("readiness and liveness of both pods with PostgreSQL down").containsOnly(200);
            assertThat(failures).as("runs that threw").isEmpty();
            assertThat(runs).hasSize(runsCount);
            assertThat(runs.values()).allSatisfy(run -> assertThat(run.status()).isEqualTo("completed"));
            assertThat(retried).as("calls that met the outage").isPositive();
            PackagedFixture.assertReadyWithOneTaskPerBranch(app, mediaIds);
            for (Replica replica : replicas) {
                assertThat(replica.isAlive()).as("never restarted: " + replica).isTrue();
            }
        }
    }
}
