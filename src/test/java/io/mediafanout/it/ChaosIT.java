package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.PackagedApp;
import io.mediafanout.testing.PackagedApp.Replica;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.RoundRobinProxy;

/**
 * A burst of runs against two packaged replicas started as pods run them ({@code java @jvm.options}, 256 MiB) behind
 * a round-robin Service, one database, each run started from the {@code video/uploaded} its upload sent; a replica is
 * SIGKILLed mid-burst and started again (in turn, every few seconds, with {@code -Dchaos.kills=N};
 * {@code -Dchaos.runs} sets the burst). Nothing is lost: every run completes, every record is {@code ready}, each branch has exactly one Ittybit task, and no replica ran out of
 * memory. Then every record's {@code media/ready} becomes a callback run while a replica is killed again: every record's
 * callback arrives, under one delivery id. The emulator honours the concurrency the replicas declare at sync, as
 * Inngest does.
 */
class ChaosIT {

    static final int RUNS = Integer.getInteger("chaos.runs", 200);
    /** Replicas killed in turn (each restarted at once); CI kills one, {@code -Dchaos.kills=8} more. */
    static final int KILLS = Integer.getInteger("chaos.kills", 1);
    static final long KILL_EVERY_MILLIS = Long.getLong("chaos.kill-every-ms", 3_000);
    static final String FN = PackagedFixture.FANOUT;
    static final String CALLBACKS_FN = PackagedFixture.CALLBACKS;
    /** The uploading app's callback receiver (every record's callback goes to the default URL). */
    static final RecordingHttpServer RECEIVER = PackagedFixture.callbackReceiver("/callbacks");

    @RegisterExtension
    static final PackagedApp app = PackagedApp.create().withFakes().devMode()
            .set("media.reconciler.every", "off")
            .set("media.callbacks.secret", "chaos-callback-secret-0123456789")
            .set("media.callbacks.allow-private", "true")
            .set("media.callbacks.timeout", "PT3S")
            .set("media.callbacks.default-url", RECEIVER.url() + "/callbacks")
            // the burst's uploads come from one key, 16 at a time: the per-key rate limit is not what is tested here
            .set("media.api.rate-limit-per-second", "1000").set("media.api.rate-limit-burst", "1000")
            .asPod(256);

    @Test
    void aReplicaKilledDuringABurstLosesNothing() throws Exception {
        String batch = UUID.randomUUID().toString().substring(0, 6);
        List<String> mediaIds = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            String mediaId = "chaos-" + batch + "-" + i;
            mediaIds.add(mediaId);
            PackagedFixture.branches().forEach(
                    branch -> FakeIttybit.script(mediaId, branch.kind()).completeAfter(Duration.ofMillis(1500)));
        }
        List<Replica> replicas = app.launch().start(2);
        try (RoundRobinProxy service = new RoundRobinProxy(replicas.stream().map(Replica::port).toList())) {
            // every record uploaded through the Service, before the burst: each run starts from the event it sent
            Map<String, JsonNode> uploaded = PackagedFixture.uploadAll(service.url("/"), mediaIds);
            ExecutorEmulator.resetConcurrency();
            ExecutorEmulator emulator = new ExecutorEmulator(service.url("/api/inngest"), FN, Optional.empty(), 3,
                    Duration.ofMillis(500)).connectionRetryDelay(Duration.ofMillis(500)).timeScale(0.25)
                    .concurrency(FakeInngestApi.syncedFunction(service.url("/api/inngest"), FN));
            Map<String, ExecutorEmulator.Run> runs = new ConcurrentHashMap<>();
            Map<String, Throwable> failures = new ConcurrentHashMap<>();
            List<Thread> threads = new ArrayList<>();
            for (String mediaId : mediaIds) {
                Thread thread = new Thread(null, () -> {
                    try {
                        runs.put(mediaId, emulator.runEvent(uploaded.get(mediaId)));
                    } catch (Throwable e) {
                        failures.put(mediaId, e);
                    }
                }, "chaos-run", 256 * 1024);
                thread.setDaemon(true);
                threads.add(thread);
            }
            long t0 = System.nanoTime();
            threads.forEach(Thread::start);

            // mid-burst (once a tenth of the records have their Ittybit tasks): a replica is killed (no graceful
            // shutdown), then started again on the same port; with chaos.kills > 1, the other one a few seconds
            // later, and so on
            PackagedFixture.await("a tenth of the records have tasks", Duration.ofMinutes(2),
                    () -> mediaIds.stream().filter(id -> !FakeIttybit.tasks(id).isEmpty()).limit(RUNS / 10).count()
                            >= RUNS / 10);
            double killedAt = (System.nanoTime() - t0) / 1e9;
            int completedAtKill = runs.size();
            for (int kill = 0; kill < KILLS; kill++) {
                Replica killed = replicas.get(kill % 2);
                if (kill > 0) {
                    replicas.get((kill + 1) % 2).awaitReady();
                    Thread.sleep(KILL_EVERY_MILLIS); // the chaos's pace, not a wait for something
                }
                killed.kill();
                killed.relaunch();
            }

            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            for (Thread thread : threads) {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            emulator.close();
            System.out.printf("chaos: %d runs on 2 replicas, %d kill(s) from %.1f s (%d runs done by then): "
                    + "%d completed in %.1f s%n", RUNS, KILLS, killedAt, completedAtKill,
                    runs.values().stream().filter(r -> r.status().equals("completed")).count(),
                    (System.nanoTime() - t0) / 1e9);

            assertThat(failures).as("runs that threw").isEmpty();
            assertThat(runs).hasSize(RUNS);
            assertThat(runs.values()).allSatisfy(run -> assertThat(run.status()).isEqualTo("completed"));
            assertThat(completedAtKill).as("the kill came mid-burst").isLessThan(RUNS);
            PackagedFixture.assertReadyWithOneTaskPerBranch(app, mediaIds);
            assertThat(replicas.get(0).isAlive()).as("replica A is up: " + replicas.get(0)).isTrue();
            assertThat(replicas.get(1).isAlive()).as("replica B is up: " + replicas.get(1)).isTrue();

            // then each record's media/ready becomes a callback run (media-callbacks), while a replica is killed
            // again: every record's callback arrives, all of its POSTs carrying one delivery id (a POST repeated
            // after a kill is the same delivery, which the receiver recognises by that id)
            ExecutorEmulator callbacks = new ExecutorEmulator(service.url("/api/inngest"), CALLBACKS_FN, Optional.empty(),
                    // Retry-After honoured as Inngest does: a killed replica's claim on a delivery holds for the
                    // callback timeout + 5 s, then another attempt takes it over
                    10, Duration.ofSeconds(20)).connectionRetryDelay(Duration.ofMillis(500))
                    .concurrency(FakeInngestApi.syncedFunction(service.url("/api/inngest"), CALLBACKS_FN));
            Map<String, ExecutorEmulator.Run> deliveries = new ConcurrentHashMap<>();
            List<Thread> senders = new ArrayList<>();
            for (String mediaId : mediaIds) {
                Thread thread = new Thread(null, () -> {
                    try {
                        deliveries.put(mediaId, callbacks.runEvent(PackagedFixture.sent(MediaEvents.READY, mediaId)));
                    } catch (Throwable e) {
                        failures.put(mediaId + " callback", e);
                    }
                }, "chaos-callback", 256 * 1024);
                thread.setDaemon(true);
                senders.add(thread);
            }
            senders.forEach(Thread::start);
            // once the first callback of the batch has arrived
            PackagedFixture.await("a callback of the batch arrives", Duration.ofMinutes(2), () -> !RECEIVER.received(
                    r -> r.path().equals("/callbacks") && r.body().contains("\"chaos-" + batch + "-")).isEmpty());
            replicas.get(0).awaitReady();
            replicas.get(1).kill();
            replicas.get(1).relaunch();
            long callbacksDeadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            for (Thread thread : senders) {
                thread.join(Math.max(1, (callbacksDeadline - System.nanoTime()) / 1_000_000));
            }
            callbacks.close();
            assertThat(failures).as("callback runs that threw").isEmpty();
            assertThat(deliveries.values()).hasSize(RUNS)
                    .allSatisfy(run -> assertThat(run.status()).isEqualTo("completed"));
            Map<String, java.util.Set<String>> ids = new HashMap<>();
            int posts = 0;
            for (RecordingHttpServer.Recorded post : RECEIVER.received(r -> r.path().equals("/callbacks"))) {
                String mediaId = PackagedFixture.JSON.readTree(post.body()).path("data").path("mediaId").asText();
                if (mediaId.startsWith("chaos-" + batch + "-")) {
                    ids.computeIfAbsent(mediaId, k -> new java.util.HashSet<>()).add(post.header("Media-Fanout-Delivery"));
                    posts++;
                }
            }
            System.out.printf("chaos: %d callbacks, %d POSTs received%n", ids.size(), posts);
            assertThat(ids).as("records with a callback").hasSize(RUNS);
            assertThat(ids).allSatisfy((id, deliveryIds) -> assertThat(deliveryIds).as(id).hasSize(1));

            for (Replica replica : replicas) {
                assertThat(replica.logText()).as(replica.log().toString()).doesNotContain("OutOfMemoryError");
            }
        }
    }
}
