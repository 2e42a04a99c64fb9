package io.mediafanout.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.PostgresTestResource;

/**
 * The real pipeline (not bench mode) of the production jar, driven by {@link ExecutorEmulator} playing Inngest
 * (dev mode), with {@link FakeIttybit} tasks that take a fixed time per branch and a fresh embedded PostgreSQL:
 * the overhead of a run above its slowest branch, and many concurrent runs with every record checked.
 */
final class EndToEnd {

    /** Fixed task time per Ittybit kind (branch): the slowest branch bounds a run from below. */
    static final Map<String, Duration> TASK_TIMES = new LinkedHashMap<>();

    static {
        TASK_TIMES.put("image", Duration.ofMillis(1000)); // poster-image
        TASK_TIMES.put("video", Duration.ofMillis(1500)); // gif-preview
        TASK_TIMES.put("audio", Duration.ofMillis(2000)); // audio-transcription
        TASK_TIMES.put("adaptive_video", Duration.ofMillis(3000)); // hls-package
    }

    static final Duration SLOWEST = Duration.ofMillis(3000);
    private static final Map<String, String> URL_FIELD_BY_KIND = Map.of("adaptive_video", "hlsUrl", "image",
            "posterUrl", "video", "gifUrl", "audio", "transcriptionUrl");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How the service learns that a task ended: polling (empty values keep the service's defaults) and, with
     * {@code webhooks}, the task's webhook ({@code ITTYBIT_WEBHOOK_BASE_URL} set; the fake calls it when the task
     * ends).
     */
    record Polling(String label, Optional<String> initialDelay, Optional<String> maxDelay, boolean webhooks) {
        String describe() {
            String polling = initialDelay.isEmpty() && maxDelay.isEmpty() ? "polling: service defaults (first read "
                    + "after 250 ms, doubling, at most 5 s apart)"
                    : "polling: MEDIA_ITTYBIT_POLL_INITIAL_DELAY=" + initialDelay.orElse("(default)")
                            + ", MEDIA_ITTYBIT_POLL_MAX_DELAY=" + maxDelay.orElse("(default)");
            return webhooks ? "**webhooks** (`ITTYBIT_WEBHOOK_BASE_URL` set) + " + polling : polling + ", no webhooks";
        }
    }

    /** Sequential runs: overhead = run wall time − slowest branch. */
    record Sequential(Polling polling, int runs, int warmupRuns, double[] overheadMs, double[] wallMs, int failed,
            List<String> problems) {
        double overheadP50() {
            return percentile(overheadMs, 0.5);
        }

        double overheadMax() {
            return overheadMs.length == 0 ? Double.NaN : Arrays.stream(overheadMs).max().getAsDouble();
        }

        double overheadMin() {
            return overheadMs.length == 0 ? Double.NaN : Arrays.stream(overheadMs).min().getAsDouble();
        }
    }

    /** Concurrent runs, all in flight together. */
    record Concurrent(Polling polling, int runs, int completed, int failed, double wallSeconds, double runP50Ms,
            double runP99Ms, double runMaxMs, int recordsReady, int recordsChecked, double serverCpuSeconds,
            double driverCpuSeconds, double machineCpuSeconds, long serverPeakRssKb, Duration ramp, int maxInFlight,
            List<String> problems) {
    }

    record Result(Sequential sequential, Concurrent concurrent) {
    }

    private final Path root;
    private final Path jar;
    private final Path logs;
    private final String ittybitUrl;
    private final String inngestUrl;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    EndToEnd(Path root, Path jar, Path logs) {
        this.root = root;
        this.jar = jar;
        this.logs = logs;
        this.ittybitUrl = new FakeIttybit().start().get("quarkus.rest-client.ittybit.url");
        this.inngestUrl = new FakeInngestApi().start().get("inngest.base-url");
    }

    /**
     * Starts the service with the given polling, makes {@code sequentialRuns} runs one after the other (after two
     * warm-up runs), then, when {@code concurrentRuns > 0}, that many runs at once.
     */
    Result run(Polling polling, int sequentialRuns, int concurrentRuns, Duration ramp) throws Exception {
        PostgresTestResource postgres = new PostgresTestResource();
        Map<String, String> database = postgres.start();
        Runnable stopDatabase = Benchmark.onExit(postgres::stop);
        int port = ServerProcess.freePort();
        List<String> command = new ArrayList<>(List.of(Benchmark.java()));
        command.addAll(Benchmark.serviceJvmOptions());
        database.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar.toString()));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("INNGEST_DEV", "1");
        env.put("INNGEST_BASE_URL", inngestUrl);
        env.put("ITTYBIT_API_URL", ittybitUrl);
        env.put("ITTYBIT_API_KEY", FakeIttybit.API_KEY);
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        polling.initialDelay().ifPresent(v -> env.put("MEDIA_ITTYBIT_POLL_INITIAL_DELAY", v));
        polling.maxDelay().ifPresent(v -> env.put("MEDIA_ITTYBIT_POLL_MAX_DELAY", v));
        if (polling.webhooks()) {
            env.put("ITTYBIT_WEBHOOK_BASE_URL", "http://127.0.0.1:" + port);
        }
        try (ServerProcess server = ServerProcess.start("media-fanout e2e (" + polling.label() + ")", command, env,
                root, logs.resolve("e2e-" + polling.label() + ".log"), port)) {
            server.awaitFirst200(Optional.empty(), Duration.ofSeconds(120));
            String base = "http://127.0.0.1:" + port;
            Sequential sequential = sequential(base, polling, sequentialRuns);
            Concurrent concurrent = concurrentRuns > 0 ? concurrent(base, polling, concurrentRuns, ramp, server) : null;
            return new Result(sequential, concurrent);
        } finally {
            stopDatabase.run();
        }
    }

    private Sequential sequential(String base, Polling polling, int runs) throws Exception {
        int warmup = 2;
        List<Double> overheads = new ArrayList<>();
        List<Double> walls = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int failed = 0;
        for (int i = 0; i < warmup + runs; i++) {
            String mediaId = "e2e-" + polling.label() + "-" + i + "-" + shortId();
            prepare(mediaId);
            postMedia(base, mediaId);
            long t0 = System.nanoTime();
            ExecutorEmulator.Run run = emulator(base).run("video/uploaded", event(mediaId));
            double wallMs = (System.nanoTime() - t0) / 1e6;
            List<String> recordProblems = checkRecord(base, mediaId);
            if (!run.status().equals("completed") || !recordProblems.isEmpty()) {
                failed++;
                problems.add(mediaId + ": run " + run.status() + " " + recordProblems);
                continue;
            }
            if (i >= warmup) {
                walls.add(wallMs);
                overheads.add(wallMs - SLOWEST.toMillis());
            }
            System.out.printf("bench: e2e %s run %d: %.0f ms (overhead %.0f ms)%s%n", polling.label(), i, wallMs,
                    wallMs - SLOWEST.toMillis(), i < warmup ? " [warm-up]" : "");
        }
        return new Sequential(polling, runs, warmup, overheads.stream().mapToDouble(d -> d).toArray(),
                walls.stream().mapToDouble(d -> d).toArray(), failed, problems);
    }

    private Concurrent concurrent(String base, Polling polling, int runs, Duration ramp, ServerProcess server)
            throws Exception {
        List<String> mediaIds = new ArrayList<>();
        String batch = shortId();
        for (int i = 0; i < runs; i++) {
            String mediaId = "e2e-many-" + batch + "-" + i;
            prepare(mediaId);
            mediaIds.add(mediaId);
        }
        // the records first (POST /media, 16 at a time, not timed): the runs, not the uploads, start together
        ExecutorService uploads = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> posted = new ArrayList<>();
            for (String mediaId : mediaIds) {
                posted.add(uploads.submit(() -> {
                    postMedia(base, mediaId);
                    return null;
                }));
            }
            for (Future<?> p : posted) {
                p.get();
            }
        } finally {
            uploads.shutdownNow();
        }
        long[] started = { System.nanoTime() };
        CountDownLatch ready = new CountDownLatch(runs);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        double[] runMs = new double[runs];
        Arrays.fill(runMs, Double.NaN);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            int index = i;
            String mediaId = mediaIds.get(i);
            // one thread per run: all of them in flight together (the emulator adds one thread per planned step)
            Thread thread = new Thread(null, () -> {
                ready.countDown();
                try {
                    go.await();
                    // starts spread over the ramp (a thundering herd of 1,000 emulators, each with its own HTTP
                    // client and selector thread, starves the client threads on 2 cores); all of them still overlap
                    long at = started[0] + ramp.toNanos() * index / runs;
                    long wait;
                    while ((wait = at - System.nanoTime()) > 0) {
                        Thread.sleep(Math.max(1, wait / 1_000_000));
                    }
                    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    long t0 = System.nanoTime();
                    ExecutorEmulator.Run run = emulator(base).run("video/uploaded", event(mediaId));
                    runMs[index] = (System.nanoTime() - t0) / 1e6;
                    inFlight.decrementAndGet();
                    if (run.status().equals("completed")) {
                        completed.incrementAndGet();
                    } else {
                        problems.add(mediaId + ": run " + run.status() + " " + run.output());
                    }
                } catch (Throwable e) {
                    inFlight.decrementAndGet();
                    problems.add(mediaId + String.format(" (after %.1f s): ", (System.nanoTime() - started[0]) / 1e9)
                            + e);
                }
            }, "e2e-run-" + i, 256 * 1024);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        ready.await();
        long cpu0 = server.cpuTicks();
        long self0 = ServerProcess.selfCpuTicks();
        long machine0 = ServerProcess.machineBusyTicks();
        long t0 = System.nanoTime();
        started[0] = t0;
        go.countDown();
        for (Thread thread : threads) {
            thread.join(Duration.ofMinutes(10).toMillis());
        }
        double wallSeconds = (System.nanoTime() - t0) / 1e9;
        double cpuSeconds = ServerProcess.ticksToMillis(server.cpuTicks() - cpu0) / 1000;
        double driverSeconds = ServerProcess.ticksToMillis(ServerProcess.selfCpuTicks() - self0) / 1000;
        double machineSeconds = ServerProcess.ticksToMillis(ServerProcess.machineBusyTicks() - machine0) / 1000;
        System.out.printf("bench: e2e %d concurrent runs: %.1f s, %d completed, at most %d in flight%n", runs,
                wallSeconds, completed.get(), maxInFlight.get());
        // every record, read back through the API
        int ready200 = 0;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<String>>> checks = new ArrayList<>();
            for (String mediaId : mediaIds) {
                checks.add(pool.submit(() -> checkRecord(base, mediaId)));
            }
            for (Future<List<String>> check : checks) {
                List<String> found = check.get();
                if (found.isEmpty()) {
                    ready200++;
                } else if (problems.size() < 50) {
                    problems.addAll(found);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        double[] sorted = Arrays.stream(runMs).filter(d -> !Double.isNaN(d)).sorted().toArray();
        return new Concurrent(polling, runs, completed.get(), runs - completed.get(), wallSeconds,
                percentile(sorted, 0.5), percentile(sorted, 0.99),
                sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1], ready200, mediaIds.size(), cpuSeconds,
                driverSeconds, machineSeconds, server.peakRssKb(), ramp, maxInFlight.get(), new ArrayList<>(problems));
    }

    private static void prepare(String mediaId) {
        TASK_TIMES.forEach((kind, time) -> FakeIttybit.script(mediaId, kind).completeAfter(time));
    }

    private ExecutorEmulator emulator(String base) {
        return new ExecutorEmulator(URI.create(base + "/api/inngest"), Protocol.FN_ID, Optional.empty(), 3,
                Duration.ofMillis(200));
    }

    private static JsonNode event(String mediaId) {
        return JSON.createObjectNode().put("mediaId", mediaId).put("sourceUrl", sourceUrl(mediaId));
    }

    private static String sourceUrl(String mediaId) {
        return "https://uploads.example/" + mediaId + ".mp4";
    }

    /** {@code POST /media}, as a client of the service would (the service sends the event to the fake Inngest). */
    private void postMedia(String base, String mediaId) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/media"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"sourceUrl\":\"" + sourceUrl(mediaId)
                        + "\",\"mediaId\":\"" + mediaId + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException("POST /media answered " + response.statusCode() + ": " + response.body());
        }
    }

    /** {@code GET /media/{id}} is {@code ready} with the four output URLs of the tasks Ittybit made. */
    private List<String> checkRecord(String base, String mediaId) throws Exception {
        List<String> problems = new ArrayList<>();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/media/" + mediaId))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            problems.add(mediaId + ": GET /media answered " + response.statusCode());
            return problems;
        }
        JsonNode media = JSON.readTree(response.body());
        if (!media.path("status").asText().equals("ready")) {
            problems.add(mediaId + ": status " + media.path("status").asText());
        }
        for (String kind : TASK_TIMES.keySet()) {
            List<FakeIttybit.Task> tasks = FakeIttybit.tasks(mediaId, kind);
            String field = URL_FIELD_BY_KIND.get(kind);
            if (tasks.size() != 1) {
                problems.add(mediaId + ": " + tasks.size() + " " + kind + " tasks");
            } else if (!FakeIttybit.outputUrl(mediaId, kind, tasks.get(0).id()).equals(media.path(field).asText())) {
                problems.add(mediaId + ": " + field + " = " + media.path(field));
            }
        }
        return problems;
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    static double percentile(double[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
