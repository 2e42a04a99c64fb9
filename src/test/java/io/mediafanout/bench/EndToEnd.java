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
import java.util.EnumMap;
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

import io.mediafanout.media.domain.Branch;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.FreePorts;
import io.mediafanout.testing.PostgresTestResource;
import io.mediafanout.testing.TestApiKey;

/**
 * The real pipeline (not bench mode) of the production jar, driven by {@link ExecutorEmulator} playing Inngest
 * (dev mode: it holds every wait and sleep, and receives the events the service sends through
 * {@link FakeInngestApi}), with {@link FakeIttybit} tasks that take a fixed time per branch and a fresh embedded
 * PostgreSQL: per run the Inngest slot time ({@link ExecutorEmulator.Run#slotMillis()}), the step executions
 * ({@link ExecutorEmulator.Run#stepExecutions()}) and the overhead above the slowest branch, for a short and a long
 * (time-scaled) workload; and many concurrent runs with every record checked.
 */
final class EndToEnd {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The service's settings: {@code webhooks} sets {@code ITTYBIT_WEBHOOK_BASE_URL} (the fake calls each task's
     * webhook when it ends, the service sends {@code ittybit/task.ended} to the event API, which ends the branch's
     * wait); the polling settings ({@code media.ittybit.poll.*}) are always the service's defaults.
     */
    record Polling(String label, boolean webhooks) {
        String describe() {
            return webhooks
                    ? "**webhooks** (`ITTYBIT_WEBHOOK_BASE_URL` set: each branch's first wait ends with its task's "
                            + "`ittybit/task.ended` event, timeout 30 min; then a read)"
                    : "**no webhooks**, durable polling with the service defaults (a branch reads its task 2 s after "
                            + "creating it, then sleeps 2 s, 4 s, 8 s, … at most 10 min between reads)";
        }
    }

    /**
     * What Ittybit does: a fixed time per kind, in Inngest time (what the run would take under Inngest), played at
     * {@code timeScale}: the fake's tasks last {@code time × timeScale} of real time and the emulator multiplies
     * every wait timeout and sleep of the service by {@code timeScale}, so the run is the same run, only faster.
     */
    record Workload(String label, Map<Branch, Duration> taskTimes, double timeScale, int runs, int warmupRuns) {
        /** The slowest task, in Inngest time. */
        Duration slowest() {
            return taskTimes.values().stream().max(Duration::compareTo).orElseThrow();
        }

        /** A time of this workload as played (real time). */
        Duration real(Duration inngestTime) {
            return Duration.ofNanos(Math.round(inngestTime.toNanos() * timeScale));
        }

        String describeTasks() {
            StringBuilder out = new StringBuilder();
            for (Branch branch : Branch.values()) {
                out.append(out.length() == 0 ? "" : ", ").append('`').append(branch.id()).append("` ")
                        .append(human(taskTimes.get(branch)));
            }
            return out.toString();
        }

        static Workload shortTasks(int runs) {
            Map<Branch, Duration> times = new EnumMap<>(Branch.class);
            times.put(Branch.HLS_PACKAGE, Duration.ofMillis(3000));
            times.put(Branch.POSTER_IMAGE, Duration.ofMillis(1000));
            times.put(Branch.GIF_PREVIEW, Duration.ofMillis(1500));
            times.put(Branch.AUDIO_TRANSCRIPTION, Duration.ofMillis(2000));
            return new Workload("3s", times, 1.0, runs, 2);
        }

        /** The slowest task takes 10 minutes of Inngest time, played {@code 1 / timeScale} times faster. */
        static Workload longTasks(int runs, double timeScale) {
            Map<Branch, Duration> times = new EnumMap<>(Branch.class);
            times.put(Branch.HLS_PACKAGE, Duration.ofMinutes(10));
            times.put(Branch.POSTER_IMAGE, Duration.ofMinutes(1));
            times.put(Branch.GIF_PREVIEW, Duration.ofMinutes(2));
            times.put(Branch.AUDIO_TRANSCRIPTION, Duration.ofMinutes(5));
            return new Workload("10min", times, timeScale, runs, 0);
        }
    }

    /**
     * One run's figures: wall time (real), slot time (sum of the durations of its calls to the service, real: what
     * Inngest counts against concurrency), step executions (billed), calls, the time Inngest held the run with no
     * call in flight (scaled back to Inngest time), and its pauses by outcome.
     */
    record RunFigures(double wallMs, double slotMs, long stepExecutions, int calls, double heldInngestMs,
            int waitsEndedByEvent, int waitsTimedOut, int sleeps) {
        static RunFigures of(ExecutorEmulator.Run run, double wallMs, double timeScale) {
            int byEvent = 0;
            int timedOut = 0;
            int sleeps = 0;
            for (ExecutorEmulator.Pause p : run.pauses()) {
                if (p.op().equals("Sleep")) {
                    sleeps++;
                } else if (p.outcome().equals("event")) {
                    byEvent++;
                } else if (p.outcome().equals("timeout")) {
                    timedOut++;
                }
            }
            return new RunFigures(wallMs, run.slotMillis(), run.stepExecutions(), run.calls().size(),
                    timeScale > 0 ? run.waitedMillis() / timeScale : Double.NaN, byEvent, timedOut, sleeps);
        }
    }

    /** Sequential runs of one workload: overhead = run wall time − slowest branch (meaningful at time scale 1). */
    record Sequential(Polling polling, Workload workload, List<RunFigures> figures, int failed, List<String> problems,
            double serverCpuSeconds, double driverCpuSeconds, double machineCpuSeconds, double windowSeconds) {
        double[] values(java.util.function.ToDoubleFunction<RunFigures> f) {
            return figures.stream().mapToDouble(f).toArray();
        }

        double[] overheadMs() {
            double slowest = workload.real(workload.slowest()).toNanos() / 1e6;
            return figures.stream().mapToDouble(r -> r.wallMs() - slowest).toArray();
        }

        double p50(java.util.function.ToDoubleFunction<RunFigures> f) {
            return percentile(values(f), 0.5);
        }

        double max(java.util.function.ToDoubleFunction<RunFigures> f) {
            return max(values(f));
        }

        double overheadP50() {
            return percentile(overheadMs(), 0.5);
        }

        double overheadMax() {
            return max(overheadMs());
        }

        double overheadMin() {
            double[] v = overheadMs();
            return v.length == 0 ? Double.NaN : Arrays.stream(v).min().getAsDouble();
        }

        /** CPU of the other processes (PostgreSQL included), in cores, during the runs. */
        double otherCores() {
            return windowSeconds <= 0 ? Double.NaN
                    : Math.max(0, machineCpuSeconds - serverCpuSeconds - driverCpuSeconds) / windowSeconds;
        }

        private static double max(double[] v) {
            return v.length == 0 ? Double.NaN : Arrays.stream(v).max().getAsDouble();
        }
    }

    /** Concurrent runs (the short workload), all in flight together. */
    record Concurrent(Polling polling, Workload workload, int runs, int completed, int failed, double wallSeconds,
            double runP50Ms, double runP99Ms, double runMaxMs, int recordsReady, int recordsChecked,
            double serverCpuSeconds, double driverCpuSeconds, double machineCpuSeconds, long serverPeakRssKb,
            Duration ramp, int maxInFlight, double[] slotMs, long totalStepExecutions, long webhookCalls,
            long webhookCallsFailed, List<String> problems) {
        double totalSlotSeconds() {
            return Arrays.stream(slotMs).sum() / 1000;
        }
    }

    record Result(Polling polling, List<Sequential> sequential, Concurrent concurrent) {
        Optional<Sequential> workload(String label) {
            return sequential.stream().filter(s -> s.workload().label().equals(label)).findFirst();
        }
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
     * Starts the service with the given setting, makes each workload's runs one after the other, then, when
     * {@code concurrent} is given, that many runs at once.
     */
    Result run(Polling polling, List<Workload> workloads, Optional<Workload> concurrent, int concurrentRuns,
            Duration ramp) throws Exception {
        PostgresTestResource postgres = new PostgresTestResource();
        Map<String, String> database = postgres.start();
        Runnable stopDatabase = Benchmark.onExit(postgres::stop);
        int port = FreePorts.next();
        Map<String, String> env = serviceEnvironment(inngestUrl, ittybitUrl, port);
        // the 1,000 concurrent uploads come from one client key: the per-key rate limit (20/s) is not what is measured
        env.put("MEDIA_API_RATE_LIMIT_PER_SECOND", "100000");
        env.put("MEDIA_API_RATE_LIMIT_BURST", "100000");
        if (polling.webhooks()) {
            env.put("ITTYBIT_WEBHOOK_BASE_URL", "http://127.0.0.1:" + port);
        }
        try (ServerProcess server = ServerProcess.start("media-fanout e2e (" + polling.label() + ")",
                serviceCommand(root, jar, Benchmark.env("BENCH_E2E_MEMORY_LIMIT", "1g"), database), env, root,
                logs.resolve("e2e-" + polling.label() + ".log"), port)) {
            server.awaitFirst200(Optional.empty(), Duration.ofSeconds(120));
            String base = "http://127.0.0.1:" + port;
            List<Sequential> sequential = new ArrayList<>();
            for (Workload workload : workloads) {
                sequential.add(sequential(base, polling, workload, server));
            }
            Concurrent many = concurrent.isPresent() && concurrentRuns > 0
                    ? concurrent(base, polling, concurrent.get(), concurrentRuns, ramp, server)
                    : null;
            return new Result(polling, sequential, many);
        } finally {
            stopDatabase.run();
        }
    }

    /**
     * The packaged service as the end-to-end parts start it: {@code java @jvm.options -XX:MaxRAM=<memoryLimit>}, the
     * database's settings as {@code -D} properties.
     */
    static List<String> serviceCommand(Path root, Path jar, String memoryLimit, Map<String, String> database) {
        List<String> command = new ArrayList<>(List.of(Benchmark.java()));
        command.addAll(Benchmark.shippedJvmOptions(root, memoryLimit));
        command.addAll(Benchmark.serviceJvmOptions());
        database.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar.toString()));
        return command;
    }

    /** Its environment: dev mode against the fake Inngest API and the fake Ittybit, the test API key, a port. */
    static Map<String, String> serviceEnvironment(String inngestUrl, String ittybitUrl, int port) {
        Map<String, String> env = new LinkedHashMap<>(Benchmark.SHIPPED_ENVIRONMENT);
        env.put("MEDIA_API_KEYS", TestApiKey.CONFIG);
        env.put("INNGEST_DEV", "1");
        env.put("INNGEST_ALLOW_DEV_MODE_IN_PROD", "true");
        env.put("INNGEST_BASE_URL", inngestUrl);
        env.put("ITTYBIT_API_URL", ittybitUrl);
        env.put("ITTYBIT_API_KEY", FakeIttybit.API_KEY);
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        return env;
    }

    private Sequential sequential(String base, Polling polling, Workload workload, ServerProcess server)
            throws Exception {
        List<RunFigures> figures = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int failed = 0;
        double slowestMs = workload.real(workload.slowest()).toNanos() / 1e6;
        long cpu0 = 0;
        long self0 = 0;
        long machine0 = 0;
        long window0 = 0;
        for (int i = 0; i < workload.warmupRuns() + workload.runs(); i++) {
            if (i == workload.warmupRuns()) {
                cpu0 = server.cpuTicks();
                self0 = ServerProcess.selfCpuTicks();
                machine0 = ServerProcess.machineBusyTicks();
                window0 = System.nanoTime();
            }
            String mediaId = "e2e-" + polling.label() + "-" + workload.label() + "-" + i + "-" + shortId();
            prepare(mediaId, workload);
            postMedia(base, mediaId);
            long t0 = System.nanoTime();
            ExecutorEmulator.Run run;
            try (ExecutorEmulator emulator = emulator(base, workload)) {
                run = emulator.run("video/uploaded", event(mediaId));
            }
            double wallMs = (System.nanoTime() - t0) / 1e6;
            List<String> recordProblems = checkRecord(base, mediaId);
            if (!run.status().equals("completed") || !recordProblems.isEmpty()) {
                failed++;
                problems.add(mediaId + ": run " + run.status() + " " + recordProblems);
                continue;
            }
            RunFigures f = RunFigures.of(run, wallMs, workload.timeScale());
            if (i >= workload.warmupRuns()) {
                figures.add(f);
            }
            System.out.printf("bench: e2e %s %s run %d: %.0f ms (overhead %.0f ms), slot %.0f ms, %d step executions,"
                    + " %d calls, held %.0f s of Inngest time, waits %d by event / %d timed out, %d sleeps%s%n",
                    polling.label(), workload.label(), i, wallMs, wallMs - slowestMs, f.slotMs(), f.stepExecutions(),
                    f.calls(), f.heldInngestMs() / 1000, f.waitsEndedByEvent(), f.waitsTimedOut(), f.sleeps(),
                    i < workload.warmupRuns() ? " [warm-up]" : "");
            System.out.println("bench:   slot time by call: " + slotBreakdown(run));
        }
        double windowSeconds = (System.nanoTime() - window0) / 1e9;
        return new Sequential(polling, workload, figures, failed, problems,
                ServerProcess.ticksToMillis(server.cpuTicks() - cpu0) / 1000,
                ServerProcess.ticksToMillis(ServerProcess.selfCpuTicks() - self0) / 1000,
                ServerProcess.ticksToMillis(ServerProcess.machineBusyTicks() - machine0) / 1000, windowSeconds);
    }

    private Concurrent concurrent(String base, Polling polling, Workload workload, int runs, Duration ramp,
            ServerProcess server) throws Exception {
        List<String> mediaIds = new ArrayList<>();
        String batch = shortId();
        for (int i = 0; i < runs; i++) {
            String mediaId = "e2e-many-" + batch + "-" + i;
            prepare(mediaId, workload);
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
        double[] slotMs = new double[runs];
        Arrays.fill(slotMs, Double.NaN);
        long[] steps = new long[runs];
        List<Thread> threads = new ArrayList<>();
        // one emulator for all the runs, as one Inngest: each event the service sends is matched once against the
        // pending waits of every run (an emulator per run would copy every event into each of them, which takes the
        // driver quadratic time and made the fake event API answer the service's webhook events too late)
        ExecutorEmulator emulator = emulator(base, workload);
        for (int i = 0; i < runs; i++) {
            int index = i;
            String mediaId = mediaIds.get(i);
            // one thread per run: all of them in flight together (the emulator adds a thread per planned step)
            Thread thread = new Thread(null, () -> {
                ready.countDown();
                try {
                    go.await();
                    // starts spread over the ramp (BENCH_E2E_RAMP, 0 by default); all of them still overlap
                    long at = started[0] + ramp.toNanos() * index / runs;
                    long wait;
                    while ((wait = at - System.nanoTime()) > 0) {
                        Thread.sleep(Math.max(1, wait / 1_000_000));
                    }
                    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    long t0 = System.nanoTime();
                    ExecutorEmulator.Run run = emulator.run("video/uploaded", event(mediaId));
                    runMs[index] = (System.nanoTime() - t0) / 1e6;
                    slotMs[index] = run.slotMillis();
                    if (index % Math.max(1, runs / 5) == 0) {
                        System.out.println("bench:   concurrent run " + index + ": " + Math.round(runMs[index])
                                + " ms, slot time by call: " + slotBreakdown(run));
                    }
                    steps[index] = run.stepExecutions();
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
        // one deadline for the whole batch (a run whose event never came would wait for its 30-minute timeout)
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        for (Thread thread : threads) {
            thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        emulator.close();
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
        // webhook deliveries: a failed one is made again with backoff (as Ittybit does); a webhook never answered
        // 200 leaves its branch waiting for the 30-minute timeout
        long webhookCalls = 0;
        long webhookCallsFailed = 0;
        long notDelivered = 0;
        if (polling.webhooks()) {
            for (String id : mediaIds) {
                for (FakeIttybit.Task task : FakeIttybit.tasks(id)) {
                    List<Integer> calls = FakeIttybit.webhookCalls(task.id());
                    webhookCalls += calls.size();
                    webhookCallsFailed += calls.stream().filter(status -> status != 200).count();
                    notDelivered += calls.contains(200) ? 0 : 1;
                }
            }
            if (notDelivered > 0) {
                problems.add(0, notDelivered + " task webhook(s) never answered 200 by the service");
            }
        }
        double[] sorted = Arrays.stream(runMs).filter(d -> !Double.isNaN(d)).sorted().toArray();
        double[] slots = Arrays.stream(slotMs).filter(d -> !Double.isNaN(d)).toArray();
        return new Concurrent(polling, workload, runs, completed.get(), runs - completed.get(), wallSeconds,
                percentile(sorted, 0.5), percentile(sorted, 0.99),
                sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1], ready200, mediaIds.size(), cpuSeconds,
                driverSeconds, machineSeconds, server.peakRssKb(), ramp, maxInFlight.get(), slots,
                Arrays.stream(steps).sum(), webhookCalls, webhookCallsFailed, new ArrayList<>(problems));
    }

    /** Each task of the media lasts its workload's time, played at the workload's scale, from its creation. */
    private static void prepare(String mediaId, Workload workload) {
        workload.taskTimes().forEach((branch, time) -> FakeIttybit.script(mediaId, branch.kind())
                .completeAfter(workload.real(time)));
    }

    private ExecutorEmulator emulator(String base, Workload workload) {
        return new ExecutorEmulator(URI.create(base + "/api/inngest"), Protocol.FN_ID, Optional.empty(), 3,
                Duration.ofMillis(200)).timeScale(workload.timeScale());
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
                .header("Authorization", TestApiKey.AUTHORIZATION)
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
                .timeout(Duration.ofSeconds(60)).header("Authorization", TestApiKey.AUTHORIZATION).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            problems.add(mediaId + ": GET /media answered " + response.statusCode());
            return problems;
        }
        JsonNode media = JSON.readTree(response.body());
        if (!media.path("status").asText().equals("ready")) {
            problems.add(mediaId + ": status " + media.path("status").asText());
        }
        for (Branch branch : Branch.values()) {
            String kind = branch.kind();
            List<FakeIttybit.Task> tasks = FakeIttybit.tasks(mediaId, kind);
            String field = branch.resultField();
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

    /** Step ids of the pipeline by their hash (the emulator calls steps by hash); "step" is a discovery call. */
    private static final Map<String, String> STEP_NAMES = new java.util.HashMap<>();

    static {
        List<String> names = new ArrayList<>(List.of("assemble", "media-ready"));
        for (Branch branch : Branch.values()) {
            for (int g = 0; g < 4; g++) {
                String id = g == 0 ? branch.id() : branch.id() + "-g" + g;
                names.add(id);
                names.add(id + "-ended");
                names.add(id + "-result");
                names.add(id + "-backoff");
                for (int n = 1; n <= 30; n++) {
                    names.add(id + "-result-" + n);
                    names.add(id + "-backoff-" + n);
                }
            }
        }
        names.forEach(name -> STEP_NAMES.put(io.mediafanout.inngest.TestHashes.of(name), name));
        // a discovery call may also run a step itself (immediate execution): its time counts as discovery
        STEP_NAMES.put("step", "discovery");
    }

    /** Where a run's slot time went: call durations by kind of call (log only, to read the figures). */
    static String slotBreakdown(ExecutorEmulator.Run run) {
        Map<String, double[]> byKind = new java.util.TreeMap<>();
        for (ExecutorEmulator.Call call : run.calls()) {
            String name = STEP_NAMES.getOrDefault(call.stepId(), call.stepId());
            String kind = name.equals("discovery") || name.equals("assemble") || name.equals("media-ready") ? name
                    : name.contains("-result") ? "read" : "create";
            double[] v = byKind.computeIfAbsent(kind, k -> new double[3]);
            v[0]++;
            v[1] += call.durationMillis();
            v[2] = Math.max(v[2], call.durationMillis());
        }
        StringBuilder out = new StringBuilder();
        byKind.forEach((kind, v) -> out.append(out.length() == 0 ? "" : ", ").append(String.format(
                java.util.Locale.ROOT, "%s %d× %.0f ms (max %.0f)", kind, (int) v[0], v[1], v[2])));
        return out.toString();
    }

    /** {@code 10 min}, {@code 1.5 s}. */
    static String human(Duration d) {
        if (d.toMillis() % 60_000 == 0) {
            return d.toMinutes() + " min";
        }
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
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
