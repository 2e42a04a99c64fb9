package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.testing.AppProcess;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.PostgresTestResource;
import io.mediafanout.testing.RecordingHttpServer;
import io.mediafanout.testing.RoundRobinProxy;

/**
 * A burst of runs against two packaged replicas started as pods run them ({@code java @jvm.options}, 256 MiB) behind
 * a round-robin Service, one database; a replica is SIGKILLed mid-burst and started again (in turn, every few seconds,
 * with {@code -Dchaos.kills=N}; {@code -Dchaos.runs} sets the burst). Nothing is lost: every
 * run completes, every record is {@code ready}, each branch has exactly one Ittybit task, and no replica ran out of
 * memory. Then every record's {@code media/ready} becomes a callback run while a replica is killed again: every record's
 * callback arrives, under one delivery id. The emulator honours the concurrency the replicas declare at sync, as
 * Inngest does.
 */
class ChaosIT {

    static final int RUNS = Integer.getInteger("chaos.runs", 200);
    /** Replicas killed in turn (each restarted at once); CI kills one, {@code -Dchaos.kills=8} more. */
    static final int KILLS = Integer.getInteger("chaos.kills", 1);
    static final long KILL_EVERY_MILLIS = Long.getLong("chaos.kill-every-ms", 3_000);
    static final String FN = "media-pipeline-fanout-adaptive-streaming";
    static final List<String> KINDS = List.of("adaptive_video", "image", "video", "audio");

    static final String CALLBACKS_FN = "media-pipeline-media-callbacks";
    /** The uploading app's callback receiver (every record's callback goes to the default URL). */
    static final RecordingHttpServer RECEIVER = new RecordingHttpServer();

    static PostgresTestResource postgres = new PostgresTestResource();
    static Map<String, String> settings = new HashMap<>();

    @BeforeAll
    static void start() {
        assumeTrue(AppProcess.jarExists(), "the JVM jar is built");
        settings.putAll(postgres.start());
        settings.putAll(new FakeIttybit().start());
        settings.putAll(new FakeInngestApi().start());
        settings.put("inngest.dev", "1");
        settings.put("inngest.allow-dev-mode-in-prod", "true");
        settings.put("media.reconciler.every", "off");
        settings.put("media.callbacks.secret", "chaos-callback-secret-0123456789");
        settings.put("media.callbacks.allow-private", "true");
        settings.put("media.callbacks.timeout", "PT3S");
        settings.put("media.callbacks.default-url", RECEIVER.url() + "/callbacks");
        RECEIVER.route("POST", "/callbacks", request -> RecordingHttpServer.Reply.json(200, "{}"));
    }

    @AfterAll
    static void stop() {
        if (!settings.isEmpty()) {
            postgres.stop();
        }
    }

    @Test
    void aReplicaKilledDuringABurstLosesNothing() throws Exception {
        List<Integer> ports = List.of(AppProcess.freePort(), AppProcess.freePort());
        Path[] logs = { Files.createTempFile("media-fanout-chaos-a", ".log"),
                Files.createTempFile("media-fanout-chaos-b", ".log") };
        Process[] replicas = new Process[2];
        List<Process> started = Collections.synchronizedList(new ArrayList<>());
        String batch = UUID.randomUUID().toString().substring(0, 6);
        List<String> mediaIds = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            String mediaId = "chaos-" + batch + "-" + i;
            mediaIds.add(mediaId);
            KINDS.forEach(kind -> FakeIttybit.script(mediaId, kind).completeAfter(Duration.ofMillis(1500)));
        }
        try (RoundRobinProxy service = new RoundRobinProxy(ports)) {
            for (int r = 0; r < 2; r++) {
                replicas[r] = launch(ports.get(r), logs[r]);
                started.add(replicas[r]);
            }
            AppProcess.waitUntilReady(ports.get(0));
            AppProcess.waitUntilReady(ports.get(1));

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
                        runs.put(mediaId, emulator.run("video/uploaded", new ObjectMapper().createObjectNode()
                                .put("mediaId", mediaId).put("sourceUrl", "https://uploads.example/" + mediaId + ".mp4")));
                    } catch (Throwable e) {
                        failures.put(mediaId, e);
                    }
                }, "chaos-run", 256 * 1024);
                thread.setDaemon(true);
                threads.add(thread);
            }
            long t0 = System.nanoTime();
            threads.forEach(Thread::start);

            // mid-burst: a replica is killed (no graceful shutdown), then started again on the same port; with
            // chaos.kills > 1, the other one a few seconds later, and so on
            Thread.sleep(2_500);
            int completedAtKill = runs.size();
            for (int kill = 0; kill < KILLS; kill++) {
                int r = kill % 2;
                if (kill > 0) {
                    AppProcess.waitUntilReady(ports.get(1 - r));
                    Thread.sleep(KILL_EVERY_MILLIS);
                }
                replicas[r].destroyForcibly();
                assertThat(replicas[r].waitFor(30, TimeUnit.SECONDS)).isTrue();
                replicas[r] = launch(ports.get(r), logs[r]);
                started.add(replicas[r]);
            }

            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            for (Thread thread : threads) {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            emulator.close();
            System.out.printf("chaos: %d runs on 2 replicas, %d kill(s) from 2.5 s (%d runs done by then): "
                    + "%d completed in %.1f s%n", RUNS, KILLS, completedAtKill,
                    runs.values().stream().filter(r -> r.status().equals("completed")).count(),
                    (System.nanoTime() - t0) / 1e9);

            assertThat(failures).as("runs that threw").isEmpty();
            assertThat(runs).hasSize(RUNS);
            assertThat(runs.values()).allSatisfy(run -> assertThat(run.status()).isEqualTo("completed"));
            assertThat(completedAtKill).as("the kill came mid-burst").isLessThan(RUNS);
            for (String mediaId : mediaIds) {
                for (String kind : KINDS) {
                    assertThat(FakeIttybit.tasks(mediaId, kind)).as(mediaId + " " + kind + ": one task").hasSize(1);
                }
            }
            assertThat(statuses("chaos-" + batch + "-%")).as("every record").hasSize(RUNS)
                    .allSatisfy((id, status) -> assertThat(status).as(id).isEqualTo("ready"));
            assertThat(replicas[0].isAlive()).as("replica A is up: log " + logs[0]).isTrue();
            assertThat(replicas[1].isAlive()).as("replica B is up: log " + logs[1]).isTrue();

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
                        deliveries.put(mediaId, callbacks.runEvent(FakeInngestApi.receivedEvent("media/ready", mediaId)));
                    } catch (Throwable e) {
                        failures.put(mediaId + " callback", e);
                    }
                }, "chaos-callback", 256 * 1024);
                thread.setDaemon(true);
                senders.add(thread);
            }
            senders.forEach(Thread::start);
            Thread.sleep(300);
            AppProcess.waitUntilReady(ports.get(0));
            replicas[1].destroyForcibly();
            assertThat(replicas[1].waitFor(30, TimeUnit.SECONDS)).isTrue();
            replicas[1] = launch(ports.get(1), logs[1]);
            started.add(replicas[1]);
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
                String mediaId = new ObjectMapper().readTree(post.body()).path("data").path("mediaId").asText();
                if (mediaId.startsWith("chaos-" + batch + "-")) {
                    ids.computeIfAbsent(mediaId, k -> new java.util.HashSet<>()).add(post.header("Media-Fanout-Delivery"));
                    posts++;
                }
            }
            System.out.printf("chaos: %d callbacks, %d POSTs received%n", ids.size(), posts);
            assertThat(ids).as("records with a callback").hasSize(RUNS);
            assertThat(ids).allSatisfy((id, deliveryIds) -> assertThat(deliveryIds).as(id).hasSize(1));

            for (Path log : logs) {
                assertThat(Files.readString(log)).as(log.toString()).doesNotContain("OutOfMemoryError");
            }
        } finally {
            started.forEach(Process::destroyForcibly);
            for (Process p : started) {
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Each record's status, read from the database. */
    private static Map<String, String> statuses(String idPattern) throws Exception {
        Map<String, String> statuses = new HashMap<>();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(settings.get("quarkus.datasource.jdbc.url"),
                settings.get("quarkus.datasource.username"), settings.getOrDefault("quarkus.datasource.password", ""));
                java.sql.PreparedStatement select = c.prepareStatement("select id, status from media where id like ?")) {
            select.setString(1, idPattern);
            try (java.sql.ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    statuses.put(rows.getString(1), rows.getString(2));
                }
            }
        }
        return statuses;
    }

    private static Process launch(int port, Path log) throws Exception {
        Map<String, String> own = new HashMap<>(settings);
        own.put("quarkus.http.port", Integer.toString(port));
        return AppProcess.launchAsPod(own, log, 256);
    }

}
