package io.mediafanout.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.FreePorts;
import io.mediafanout.testing.PostgresTestResource;
import io.mediafanout.testing.TcpRoundRobin;
import io.mediafanout.testing.TestApiKey;

/**
 * The fairness part ({@code BENCH_PARTS=fairness}, issue 33): owner B's upload latency ({@code POST /media} to its run
 * completed, the record {@code ready}) alone and during owner A's bulk import of {@code BENCH_FAIRNESS_RUNS} (1,000)
 * uploads, and A's import time, on two replicas of the packaged jar started as 256 MiB pods
 * ({@code BENCH_FAIRNESS_MEMORY}) behind a round-robin Service, with the per-owner limits
 * ({@code media.owners.pipeline-share} at its default) and without them ({@code MEDIA_OWNERS_PIPELINE_SHARE=0}, the
 * replicas restarted). One emulator honours the concurrency the replicas declare at sync, per owner as Inngest does
 * ({@code event.data.owner}); the runs start from the events the service sent, tasks of 1-3 s, webhooks.
 */
final class Fairness {

    private static final String FN = "media-pipeline-fanout-adaptive-streaming";
    static final String KEY_A = "mf_importer_" + "a".repeat(32);
    static final String KEY_B = "mf_uploader_" + "b".repeat(32);

    /** One setting's figures: B alone, B during A's import, A's import. */
    record Setting(String label, double[] bAloneMs, double[] bDuringMs, int runs, double importSeconds, int aCompleted,
            int aReady, int bReady, List<String> problems) {
    }

    private static final String ROLES = "media:write+media:read";

    private final Path root;
    private final Path jar;
    private final Path logs;
    private final String ittybitUrl;
    private final String inngestUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    Fairness(Path root, Path jar, Path logs) {
        this.root = root;
        this.jar = jar;
        this.logs = logs;
        this.ittybitUrl = new FakeIttybit().start().get("quarkus.rest-client.ittybit.url");
        this.inngestUrl = new FakeInngestApi().start().get("inngest.base-url");
    }

    /**
     * With the per-owner limits (the default share), then without them, {@code BENCH_FAIRNESS_ROUNDS} (3) times: on a
     * machine shared by the replicas, the fakes and the driver one import's time varies by tens of percent.
     */
    List<Setting> run() throws Exception {
        int runs = Benchmark.intEnv("BENCH_FAIRNESS_RUNS", 1000);
        int bUploads = Benchmark.intEnv("BENCH_FAIRNESS_B_UPLOADS", 10);
        String memory = Benchmark.env("BENCH_FAIRNESS_MEMORY", "256m");
        Optional<String> share = Optional.ofNullable(System.getenv("BENCH_FAIRNESS_SHARE")).filter(s -> !s.isBlank());
        String withLabel = share.map(s -> "per-owner limits (share " + s + ")")
                .orElse("per-owner limits (default share " + defaultShare() + ")");
        int rounds = Math.max(1, Benchmark.intEnv("BENCH_FAIRNESS_ROUNDS", 3));
        List<Setting> settings = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            String suffix = rounds == 1 ? "" : ", round " + round;
            settings.add(setting(withLabel + suffix, share, runs, bUploads, memory));
            settings.add(setting("no per-owner limits (share 0)" + suffix, Optional.of("0"), runs, bUploads, memory));
        }
        return settings;
    }

    /** The replicas the service declares ({@code BENCH_FAIRNESS_DECLARED_REPLICAS}; 2: the pods that run). */
    static String declaredReplicas() {
        return Benchmark.env("BENCH_FAIRNESS_DECLARED_REPLICAS", "2");
    }

    /** The service's default {@code media.owners.pipeline-share}, as its configuration declares it. */
    private static String defaultShare() throws NoSuchMethodException {
        return io.mediafanout.media.config.MediaConfig.Owners.class.getMethod("pipelineShare")
                .getAnnotation(io.smallrye.config.WithDefault.class).value();
    }

    private Setting setting(String label, Optional<String> share, int runs, int bUploads, String memory)
            throws Exception {
        System.out.println("bench: fairness " + label);
        PostgresTestResource postgres = new PostgresTestResource();
        Map<String, String> database = postgres.start();
        Runnable stopDatabase = Benchmark.onExit(postgres::stop);
        List<Integer> ports = List.of(FreePorts.next(), FreePorts.next());
        List<ServerProcess> replicas = new ArrayList<>();
        String batch = UUID.randomUUID().toString().substring(0, 6);
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        try (TcpRoundRobin service = new TcpRoundRobin(ports)) {
            for (int r = 0; r < 2; r++) {
                replicas.add(start(r, ports.get(r), memory, share, service, database, label));
            }
            for (ServerProcess replica : replicas) {
                replica.awaitFirst200(Optional.empty(), Duration.ofSeconds(120));
            }
            ExecutorEmulator.resetConcurrency();
            ExecutorEmulator emulator = new ExecutorEmulator(service.url("/api/inngest"), FN, Optional.empty(), 3,
                    Duration.ofSeconds(5)).connectionRetryDelay(Duration.ofSeconds(1));
            emulator.concurrency(FakeInngestApi.syncedFunction(service.url("/api/inngest"), FN));
            emulator.register();
            Capacity.warmUp(emulator, batch);
            String base = service.url("").toString().replaceAll("/$", "");

            // (1) B alone: one upload a second
            double[] alone = bUploads(emulator, base, "fair-" + batch + "-b-alone-", bUploads, problems);
            System.out.printf(Locale.ROOT, "bench: fairness %s: B alone p50 %.0f ms max %.0f ms%n", label,
                    EndToEnd.percentile(alone, 0.5), max(alone));

            // (2) A's import: every upload posted (16 at a time), each run started when its event reaches Inngest;
            // B's uploads, one a second, start once a tenth of the import is posted
            List<String> aIds = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                String id = "fair-" + batch + "-a-" + i;
                aIds.add(id);
                prepare(id);
            }
            AtomicInteger completed = new AtomicInteger();
            AtomicInteger posted = new AtomicInteger();
            List<Thread> aRuns = Collections.synchronizedList(new ArrayList<>());
            ExecutorService posters = Executors.newFixedThreadPool(16);
            long t0 = System.nanoTime();
            List<Future<?>> posts = new ArrayList<>();
            for (String id : aIds) {
                posts.add(posters.submit(() -> {
                    try {
                        postMedia(base, KEY_A, id);
                        posted.incrementAndGet();
                        Thread run = startRun(emulator, id, () -> completed.incrementAndGet(), problems);
                        aRuns.add(run);
                    } catch (Exception e) {
                        note(problems, id + ": " + e);
                    }
                }));
            }
            long waitUntil = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (posted.get() < runs / 10 && System.nanoTime() < waitUntil) {
                Thread.sleep(20);
            }
            double[] during = bUploads(emulator, base, "fair-" + batch + "-b-during-", bUploads, problems);
            int aDoneWhenBDone = completed.get();
            for (Future<?> p : posts) {
                p.get();
            }
            posters.shutdown();
            long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
            for (Thread run : List.copyOf(aRuns)) {
                run.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            double importSeconds = (System.nanoTime() - t0) / 1e9;
            emulator.close();
            int aReady = Capacity.ready(database, "fair-" + batch + "-a-%");
            int bReady = Capacity.ready(database, "fair-" + batch + "-b-%");
            System.out.printf(Locale.ROOT, "bench: fairness %s: B during A's import p50 %.0f ms max %.0f ms (A had %d/%d "
                    + "runs completed when B's last was); A's import %.1f s, %d/%d completed, %d ready; B ready %d/%d%s%n",
                    label, EndToEnd.percentile(during, 0.5), max(during), aDoneWhenBDone, runs, importSeconds, completed.get(),
                    runs, aReady, bReady, 2 * bUploads, problems.isEmpty() ? "" : "; e.g. " + problems.get(0));
            return new Setting(label, alone, during, runs, importSeconds, completed.get(), aReady, bReady,
                    new ArrayList<>(problems));
        } finally {
            replicas.forEach(ServerProcess::close);
            stopDatabase.run();
        }
    }

    /** B's uploads, one a second, each timed from its {@code POST /media} to its run completed. */
    private double[] bUploads(ExecutorEmulator emulator, String base, String prefix, int count, List<String> problems)
            throws Exception {
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = prefix + i;
            prepare(id);
            Thread thread = new Thread(() -> {
                long t0 = System.nanoTime();
                try {
                    postMedia(base, KEY_B, id);
                    Thread run = startRun(emulator, id, () -> latencies.add((System.nanoTime() - t0) / 1e6), problems);
                    run.join();
                } catch (Exception e) {
                    note(problems, id + ": " + e);
                }
            }, "fairness-b");
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
            Thread.sleep(1000);
        }
        for (Thread thread : threads) {
            thread.join(Duration.ofMinutes(10).toMillis());
        }
        return latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /** Starts the run of the {@code video/uploaded} event the service sent for {@code mediaId} (as Inngest would). */
    private static Thread startRun(ExecutorEmulator emulator, String mediaId, Runnable onCompleted,
            List<String> problems) {
        Thread thread = new Thread(null, () -> {
            try {
                JsonNode event = null;
                long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (event == null) {
                    try {
                        event = FakeInngestApi.receivedEvent("video/uploaded", mediaId);
                    } catch (AssertionError notYet) {
                        if (System.nanoTime() > until) {
                            throw notYet;
                        }
                        Thread.sleep(10);
                    }
                }
                ExecutorEmulator.Run run = emulator.runEvent(event);
                if (run.status().equals("completed")) {
                    onCompleted.run();
                } else {
                    note(problems, mediaId + ": " + run.status() + " " + run.output());
                }
            } catch (Throwable e) {
                note(problems, mediaId + ": " + e);
            }
        }, "fairness-run", 256 * 1024);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void note(List<String> problems, String problem) {
        if (problems.size() < 20) {
            problems.add(problem);
        }
    }

    /** The tasks of the e2e part's short workload: 1-3 s each, from their creation. */
    private static void prepare(String mediaId) {
        EndToEnd.Workload.shortTasks(1).taskTimes()
                .forEach((branch, time) -> FakeIttybit.script(mediaId, branch.kind()).completeAfter(time));
    }

    private void postMedia(String base, String key, String mediaId) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/media"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"sourceUrl\":\"https://uploads.example/" + mediaId
                        + ".mp4\",\"mediaId\":\"" + mediaId + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException("POST /media answered " + response.statusCode() + ": " + response.body());
        }
    }

    private ServerProcess start(int replica, int port, String memory, Optional<String> share, TcpRoundRobin service,
            Map<String, String> database, String label) throws Exception {
        Map<String, String> env = EndToEnd.serviceEnvironment(inngestUrl, ittybitUrl, port);
        env.put("MEDIA_API_KEYS", String.join(",", TestApiKey.CONFIG, TestApiKey.entry("importer", KEY_A, ROLES),
                TestApiKey.entry("uploader", KEY_B, ROLES)));
        env.put("MEDIA_API_RATE_LIMIT_PER_SECOND", "100000");
        env.put("MEDIA_API_RATE_LIMIT_BURST", "100000");
        env.put("MEDIA_RECONCILER_EVERY", "off");
        env.put("INNGEST_CONCURRENCY_REPLICAS", declaredReplicas());
        env.put("ITTYBIT_WEBHOOK_BASE_URL", service.url("").toString().replaceAll("/$", ""));
        share.ifPresent(s -> env.put("MEDIA_OWNERS_PIPELINE_SHARE", s));
        return ServerProcess.start("media-fanout fairness replica " + replica,
                EndToEnd.serviceCommand(root, jar, memory, database), env, root,
                logs.resolve("fairness-" + label.replaceAll("[^a-z0-9]+", "-") + "-" + replica + ".log"), port);
    }

    private static double median(List<double[]> rounds, int column) {
        double[] values = rounds.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return values.length % 2 == 1 ? values[values.length / 2]
                : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    }

    static double max(double[] sorted) {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    /** The part's section of docs/capacity.md: the table, the goals, the machine and the command. */
    static String markdown(List<Setting> settings, String machine, String command) {
        StringBuilder md = new StringBuilder("\n## Fairness: one owner's import, another owner's uploads (issue 33)\n\n");
        md.append("Generated on ").append(machine).append(". Command: `").append(command).append("`.\n\n");
        md.append("Two replicas of the packaged jar, each a 256 MiB pod (`java @jvm.options -XX:MaxRAM=256m`), behind a ")
                .append("round-robin Service, one PostgreSQL, webhooks, tasks of 1-3 s; the emulator honours the ")
                .append("concurrency the replicas declare at sync (`INNGEST_CONCURRENCY_REPLICAS=").append(declaredReplicas())
                .append("`), per owner (`event.data.owner`), each owner's waiting steps in a queue of their own, the ")
                .append("queues served in turn as Inngest's key queues. Owner A (key ")
                .append("`importer`) posts its import, 16 uploads at a time, each run started when its event reaches ")
                .append("Inngest; owner B (key `uploader`) uploads one a second, alone and once a tenth of A's import ")
                .append("is posted. *B* is the time from B's `POST /media` to its run completed (the record `ready`); ")
                .append("*A's import* from A's first `POST` to its last run completed. Without the limits: ")
                .append("`MEDIA_OWNERS_PIPELINE_SHARE=0`, replicas restarted.\n\n");
        md.append("| setting | A's uploads | B alone p50 / max | B during A's import p50 / max | A's import | A completed / ready | B ready |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Setting s : settings) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.0f / %.0f ms | %.0f / %.0f ms | %.1f s | %d / %d | %d/%d |%n",
                    s.label(), s.runs(), EndToEnd.percentile(s.bAloneMs(), 0.5), max(s.bAloneMs()),
                    EndToEnd.percentile(s.bDuringMs(), 0.5), max(s.bDuringMs()), s.importSeconds(), s.aCompleted(), s.aReady(),
                    s.bReady(), s.bAloneMs().length + s.bDuringMs().length));
        }
        // the goals per round (a setting with the limits, then one without), and their medians over the rounds
        List<double[]> rounds = new ArrayList<>();
        for (int i = 0; i + 1 < settings.size(); i += 2) {
            Setting with = settings.get(i);
            Setting without = settings.get(i + 1);
            rounds.add(new double[] {max(with.bDuringMs()) / max(with.bAloneMs()),
                    max(without.bDuringMs()) / max(without.bAloneMs()), with.importSeconds() / without.importSeconds() - 1});
        }
        if (!rounds.isEmpty()) {
            double ratio = median(rounds, 0);
            double slower = median(rounds, 2);
            md.append(String.format(Locale.ROOT, "%nGoals, %s: B's slowest upload during A's import at most 2x its "
                    + "slowest alone: %.2fx with the per-owner limits (%s; without them %.2fx). A's import no more than "
                    + "10 %% slower than without the limits: %+.1f %% (%s).%n",
                    rounds.size() == 1 ? "one round" : "median of " + rounds.size() + " rounds", ratio,
                    ratio <= 2 ? "met" : "not met", median(rounds, 1), slower * 100, slower <= 0.10 ? "met" : "not met"));
            if (rounds.size() > 1) {
                md.append("Per round: ").append(String.join("; ", rounds.stream().map(r -> String.format(Locale.ROOT,
                        "%.2fx (without %.2fx), import %+.1f %%", r[0], r[1], r[2] * 100)).toList())).append(".\n");
            }
        }
        for (Setting s : settings) {
            if (!s.problems().isEmpty()) {
                md.append("\n").append(s.label()).append(": ").append(s.problems().size()).append(" problem(s), e.g. `")
                        .append(s.problems().get(0).replace('`', '\'')).append("`\n");
            }
        }
        return md.toString();
    }

    /** {@code page} with the section starting with {@code heading} replaced by {@code section} (or appended). */
    static String replaceSection(String page, String heading, String section) {
        int at = page.indexOf(heading);
        if (at < 0) {
            return page.stripTrailing() + "\n" + section;
        }
        int next = page.indexOf("\n## ", at + heading.length());
        return page.substring(0, at).stripTrailing() + "\n" + section + (next < 0 ? "" : page.substring(next));
    }
}
