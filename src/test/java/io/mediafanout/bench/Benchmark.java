package io.mediafanout.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;

import io.mediafanout.testing.FreePorts;

/**
 * The benchmark behind {@code bench/run.sh} (see bench/README.md): our service (production jar, bench mode) against
 * the official Inngest TypeScript SDK (Express adapter) serving the same function, with identical executor requests
 * in dev and in signed cloud mode, then the real pipeline end to end through the executor emulator. Writes
 * {@code docs/benchmarks.md}.
 * <p>
 * Options (environment): {@code BENCH_DURATION} (s measured per scenario, 10), {@code BENCH_WARMUP} (s of warm-up per
 * scenario, run for the three scenarios in turn after the server starts, 5),
 * {@code BENCH_CONCURRENCY} (32), {@code BENCH_E2E_RUNS} (sequential runs of the 3 s workload per setting (webhooks,
 * no webhooks), 15), {@code BENCH_E2E_LONG_RUNS} (sequential runs of the 10-minute workload per setting, 5),
 * {@code BENCH_E2E_LONG_SCALE} (the time scale it is played at, 0.01), {@code BENCH_E2E_CONCURRENT} (1000),
 * {@code BENCH_E2E_RAMP} (s over which the concurrent runs start, 0), {@code BENCH_PARTS} ({@code serve,no-flags,startup,e2e,capacity}),
 * {@code BENCH_OUTPUT} ({@code docs/benchmarks.md}), {@code BENCH_MEMORY_LIMIT} (the pod limit our JVM sizes itself
 * from, 256m), {@code BENCH_E2E_MEMORY_LIMIT} (the same for the end-to-end part, 1g: 1,000 concurrent runs on one
 * service need more than the 64 MiB heap of a 256 MiB pod), {@code BENCH_STARTS} (starts per start-up row, 5), {@code BENCH_JDK25} (the JDK 25 of the AOT row).
 */
public final class Benchmark {

    static final String SIGNING_KEY = "signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    /** Nothing listens there: neither SDK must call out during the benchmark. */
    static final String UNUSED_BASE_URL = "http://127.0.0.1:9";

    /** Load before each measured window (connections open, steady state) after the warm-up. */
    static final Duration RAMP = Duration.ofSeconds(2);

    private static final Deque<Runnable> CLEANUP = new ConcurrentLinkedDeque<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> CLEANUP.forEach(Runnable::run), "bench-cleanup-resources"));
    }

    /** One server in one mode. */
    record Side(String server, String mode, double firstOkMs, long rssIdleKb, long rssAfterLoadKb, long rssPeakKb,
            Map<String, Load.Result> results) {
    }

    record Options(Duration duration, Duration warmup, int concurrency, int e2eRuns, int e2eLongRuns,
            double e2eLongScale, int e2eConcurrent, Duration e2eRamp, List<String> parts, Path output,
            String command) {

        static Options fromEnvironment() {
            return new Options(Duration.ofSeconds(intEnv("BENCH_DURATION", 10)),
                    Duration.ofSeconds(intEnv("BENCH_WARMUP", 5)), intEnv("BENCH_CONCURRENCY", 32),
                    intEnv("BENCH_E2E_RUNS", 15), intEnv("BENCH_E2E_LONG_RUNS", 5),
                    Double.parseDouble(env("BENCH_E2E_LONG_SCALE", "0.01")), intEnv("BENCH_E2E_CONCURRENT", 1000),
                    Duration.ofSeconds(intEnv("BENCH_E2E_RAMP", 0)),
                    List.of(env("BENCH_PARTS", "serve,no-flags,startup,e2e,capacity").split(",")), Path.of(env("BENCH_OUTPUT",
                            "docs/benchmarks.md")),
                    env("BENCH_COMMAND", "bench/run.sh"));
        }
    }

    private Benchmark() {
    }

    public static void main(String[] args) throws Exception {
        // the fakes (FakeIttybit, FakeInngestApi) are JDK HttpServers: without TCP_NODELAY their answers, written in
        // two parts, can wait for the client's delayed ACK (~40 ms), which would be counted against the pipeline
        System.setProperty("sun.net.httpserver.nodelay", "true");
        // the driver logs at INFO (TestLogging: otherwise the JDK HTTP client formats every debug message)
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        io.mediafanout.testing.TestLogging.atInfo();
        int status = 0;
        try {
            run();
        } catch (Throwable e) {
            System.err.println("bench: FAILED: " + e);
            e.printStackTrace();
            status = 1;
        } finally {
            CLEANUP.forEach(Runnable::run);
        }
        // the fakes' HTTP servers keep non-daemon threads
        System.exit(status);
    }

    private static void run() throws Exception {
        Options options = Options.fromEnvironment();
        Path root = Path.of("").toAbsolutePath();
        Path jar = root.resolve("target/quarkus-app/quarkus-run.jar");
        Path reference = root.resolve("bench/reference");
        Path logs = root.resolve("target/bench");
        Files.createDirectories(logs);
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no " + jar + ": build it with ./mvnw -B -ntp package -DskipTests");
        }
        Instant started = Instant.now();
        Environment environment = Environment.read(root, reference);
        System.out.println("bench: " + environment.summary());

        List<Side> sides = new ArrayList<>();
        if (options.parts().contains("serve")) {
            if (!Files.isDirectory(reference.resolve("node_modules/inngest"))) {
                throw new IllegalStateException("bench/reference/node_modules is missing: run npm ci in bench/reference");
            }
            for (String mode : List.of("dev", "cloud")) {
                sides.add(serve("ours", mode, options, root, jar, reference, logs));
                if (options.parts().contains("no-flags")) {
                    sides.add(serve(NO_FLAGS, mode, options, root, jar, reference, logs));
                }
                sides.add(serve("typescript", mode, options, root, jar, reference, logs));
            }
        }
        List<StartUp> startUps = new ArrayList<>();
        if (options.parts().contains("startup")) {
            startUps.addAll(startUps(options, root, jar, reference, logs));
        }
        List<EndToEnd.Result> e2e = new ArrayList<>();
        if (options.parts().contains("e2e")) {
            EndToEnd endToEnd = new EndToEnd(root, jar, logs);
            // production's setting (webhooks) carries the concurrent runs too
            EndToEnd.Workload shortTasks = EndToEnd.Workload.shortTasks(options.e2eRuns());
            List<EndToEnd.Workload> workloads = new ArrayList<>(List.of(shortTasks));
            if (options.e2eLongRuns() > 0) {
                workloads.add(EndToEnd.Workload.longTasks(options.e2eLongRuns(), options.e2eLongScale()));
            }
            e2e.add(endToEnd.run(new EndToEnd.Polling("webhooks", true), workloads, Optional.of(shortTasks),
                    options.e2eConcurrent(), options.e2eRamp()));
            e2e.add(endToEnd.run(new EndToEnd.Polling("durable-polling", false), workloads, Optional.empty(), 0,
                    options.e2eRamp()));
        }
        if (options.parts().contains("capacity")) {
            // its own page (docs/capacity.md): a run of this part alone leaves docs/benchmarks.md as it is
            List<Capacity.Burst> bursts = new Capacity(root, jar, logs).run();
            Path capacity = root.resolve(env("BENCH_CAPACITY_OUTPUT", "docs/capacity.md"));
            Files.createDirectories(capacity.getParent());
            Files.writeString(capacity, "# Capacity\n\nGenerated by `bench/run.sh` on " + environment.summary()
                    + ", " + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES) + ".\n"
                    + Capacity.markdown(bursts, env("BENCH_COMMAND", "bench/run.sh")));
            System.out.println("bench: wrote " + root.relativize(capacity));
        }
        String machine = environment.summary() + ", " + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        String command = env("BENCH_COMMAND", "bench/run.sh");
        if (options.parts().contains("fairness")) {
            // a section of docs/capacity.md of its own: a run of this part alone leaves docs/benchmarks.md as it is
            writeCapacitySection(root, "\n## Fairness:",
                    Fairness.markdown(new Fairness(root, jar, logs).run(), machine, command));
        }
        if (options.parts().contains("ratelimit")) {
            writeCapacitySection(root, "\n## Rate limits:",
                    RateLimits.markdown(new RateLimits(root, jar, logs).run(), machine, command));
        }
        if (options.parts().contains("live")) {
            writeCapacitySection(root, "\n## Live progress:",
                    Live.markdown(new Live(root, jar, logs).run(), machine, command));
        }
        // the parts with a page of their own (docs/capacity.md) leave docs/benchmarks.md as it is when run alone
        if (java.util.Set.of("capacity", "fairness", "ratelimit", "live").containsAll(options.parts())) {
            return;
        }
        String markdown = Report.markdown(options, environment, started, Duration.between(started, Instant.now()),
                sides, startUps, e2e);
        Path output = root.resolve(options.output());
        Files.createDirectories(output.getParent());
        Files.writeString(output, markdown);
        System.out.println("bench: wrote " + root.relativize(output));
        System.out.println(Report.summary(sides, startUps, e2e));
    }

    /** Replaces (or appends) the section of docs/capacity.md ({@code BENCH_CAPACITY_OUTPUT}) starting at {@code heading}. */
    private static void writeCapacitySection(Path root, String heading, String section) throws java.io.IOException {
        Path capacity = root.resolve(env("BENCH_CAPACITY_OUTPUT", "docs/capacity.md"));
        Files.createDirectories(capacity.getParent());
        String page = Files.exists(capacity) ? Files.readString(capacity) : "# Capacity\n";
        Files.writeString(capacity, Fairness.replaceSection(page, heading, section));
        System.out.println("bench: wrote " + root.relativize(capacity));
    }

    /** Starts one server in one mode, checks its answers, measures the three scenarios, stops it. */
    private static Side serve(String server, String mode, Options options, Path root, Path jar, Path reference,
            Path logs) throws Exception {
        Optional<String> key = mode.equals("cloud") ? Optional.of(SIGNING_KEY) : Optional.empty();
        int port = FreePorts.next();
        Map<String, String> env = new LinkedHashMap<>();
        if (key.isPresent()) {
            env.put("INNGEST_SIGNING_KEY", key.get());
            // production refuses to start in cloud mode without it; the benchmark sends no event
            env.put("INNGEST_EVENT_KEY", "evtkey-bench-unused");
            env.put("INNGEST_SERVE_ORIGIN", "http://127.0.0.1");
        } else {
            env.put("INNGEST_DEV", "1");
            env.put("INNGEST_ALLOW_DEV_MODE_IN_PROD", "true");
        }
        env.put("INNGEST_BASE_URL", UNUSED_BASE_URL);
        env.put("MEDIA_API_KEYS", io.mediafanout.testing.TestApiKey.CONFIG);
        List<String> command = new ArrayList<>();
        Path directory;
        Runnable stopDatabase = () -> {
        };
        if (server.startsWith("ours")) {
            io.mediafanout.testing.PostgresTestResource postgres = new io.mediafanout.testing.PostgresTestResource();
            Map<String, String> database = postgres.start();
            stopDatabase = onExit(postgres::stop);
            command.add(java());
            command.addAll(server.equals("ours") ? shippedJvmOptions(root) : List.of());
            command.addAll(serviceJvmOptions());
            command.add("-Dmediafanout.bench-function=true");
            database.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.addAll(List.of("-jar", jar.toString()));
            env.put("ITTYBIT_API_KEY", "unused");
            env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
            if (server.equals("ours")) {
                env.putAll(SHIPPED_ENVIRONMENT);
            }
            directory = root;
        } else {
            command.addAll(List.of("node", "server.mjs"));
            env.put("PORT", Integer.toString(port));
            env.put("NODE_ENV", "production");
            directory = reference;
        }
        String label = server + " " + mode;
        System.out.println("bench: starting " + label + ": " + String.join(" ", command));
        try (ServerProcess process = ServerProcess.start(label, command, env, directory,
                logs.resolve("serve-" + server + "-" + mode + ".log"), port)) {
            double firstOkMs = process.awaitFirst200(key, Duration.ofSeconds(120)).toNanos() / 1e6;
            Thread.sleep(2000);
            long rssIdle = process.rssKb();
            String serverKind = key.isPresent() ? "cloud" : "dev";
            List<String> problems = new ArrayList<>();
            for (Protocol.Case c : Protocol.cases()) {
                problems.addAll(Protocol.check(process, c, key, serverKind));
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException("the answers of " + label + " are not the expected protocol ops:\n  "
                        + String.join("\n  ", problems));
            }
            System.out.printf("bench: %s up in %.0f ms, RSS %d MiB, answers checked%n", label, firstOkMs,
                    rssIdle / 1024);
            // warm-up: every request kind in turn (JIT compilation of the whole serve path happens here)
            for (Protocol.Case c : Protocol.cases()) {
                Load.Result w = Load.run(process, c.scenario(), key, serverKind, options.concurrency(), Duration.ZERO,
                        options.warmup());
                if (!w.valid()) {
                    throw new IllegalStateException(label + " failed during the warm-up of " + c.scenario().key()
                            + ": " + w.errorKinds());
                }
            }
            Map<String, Load.Result> results = new LinkedHashMap<>();
            for (Protocol.Case c : Protocol.cases()) {
                Load.Result r = Load.run(process, c.scenario(), key, serverKind, options.concurrency(), RAMP,
                        options.duration());
                results.put(c.scenario().key(), r);
                System.out.printf("bench: %-16s %-10s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU %.3f ms/req"
                        + "  (load generator %.3f ms/req, other processes %.2f cores)  errors %d%s%n", label,
                        c.scenario().key(), r.requestsPerSecond(), r.p50Ms(), r.p99Ms(), r.cpuMsPerRequest(),
                        r.clientCpuMsPerRequest(), r.otherCores(),
                        r.errors(), r.errorKinds().isEmpty() ? "" : " " + r.errorKinds());
                if (!process.isAlive()) {
                    throw new IllegalStateException(label + " died; log: " + process.log);
                }
            }
            Thread.sleep(3000);
            return new Side(server, mode, firstOkMs, rssIdle, process.rssKb(), process.peakRssKb(), results);
        } finally {
            stopDatabase.run();
        }
    }

    /** Runs {@code action} once: now, or at exit if the benchmark ends first. */
    static Runnable onExit(Runnable action) {
        AtomicBoolean done = new AtomicBoolean();
        Runnable once = () -> {
            if (done.compareAndSet(false, true)) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    System.err.println("bench: cleanup failed: " + e);
                }
            }
        };
        CLEANUP.push(once);
        return once;
    }

    /** Our service with the JVM's defaults: no heap, GC or compiler flags (part {@code no-flags}). */
    static final String NO_FLAGS = "ours-no-flags";

    /**
     * The environment Dockerfile.jvm gives the JVM besides jvm.options (and the README's run command): two glibc malloc
     * arenas instead of eight per core, for the few native allocations of a JVM.
     */
    static final Map<String, String> SHIPPED_ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");

    /**
     * The start-up floors ({@code bench/floor}): Quarkus applications with one route on the path polled, started like
     * our AOT row; what this machine gives any Quarkus application with those extensions.
     */
    enum Floor {
        REST("rest", false, "floor: Quarkus, one quarkus-rest resource, JDK 25, jvm.options + AOT cache"),
        PERSISTENCE("persistence", true, "floor: the same + Hibernate Reactive Panache, reactive PostgreSQL client, "
                + "one entity, JDK 25, jvm.options + AOT cache");

        final String module;
        final boolean database;
        final String label;

        Floor(String module, boolean database, String label) {
            this.module = module;
            this.database = database;
            this.label = label;
        }
    }

    private static final int FLOOR_TRAINING_REQUESTS = 200;

    /**
     * {@code BENCH_MEMORY_LIMIT}: the memory limit of the pod the service runs in (the Deployment's, 256m), given to
     * the JVM as {@code -XX:MaxRAM}, which is what it reads from the container's cgroup in a pod: jvm.options sizes
     * the heap from it.
     */
    static List<String> shippedJvmOptions(Path root) {
        return shippedJvmOptions(root, env("BENCH_MEMORY_LIMIT", "256m"));
    }

    static List<String> shippedJvmOptions(Path root, String memoryLimit) {
        return List.of("@" + root.resolve("jvm.options"), "-XX:MaxRAM=" + memoryLimit);
    }

    /** One way of starting a server, started {@code starts} times: spawn → first 200 of {@code GET /api/inngest}. */
    record StartUp(String label, String command, List<Double> firstOkMs, List<Long> rssKb) {
        double median() {
            List<Double> sorted = firstOkMs.stream().sorted().toList();
            return sorted.get(sorted.size() / 2);
        }

        double min() {
            return firstOkMs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }
    }

    /**
     * Start-up (part {@code startup}): our jar on the JDK running the benchmark with jvm.options, on JDK 25 with
     * jvm.options and the AOT cache trained by the integration tests (bench/run.sh builds it in target/aot-build when
     * {@code BENCH_JDK25} has a JDK), and the TypeScript SDK; each {@code BENCH_STARTS} times, dev mode, against a
     * database that is already up.
     */
    private static List<StartUp> startUps(Options options, Path root, Path jar, Path reference, Path logs)
            throws Exception {
        int starts = intEnv("BENCH_STARTS", 5);
        io.mediafanout.testing.PostgresTestResource postgres = new io.mediafanout.testing.PostgresTestResource();
        Map<String, String> database = postgres.start();
        Runnable stopDatabase = onExit(postgres::stop);
        try {
            List<StartUp> results = new ArrayList<>();
            List<String> plain = new ArrayList<>(List.of(java()));
            plain.addAll(shippedJvmOptions(root));
            results.add(startUp("ours, JDK " + Runtime.version().feature() + ", jvm.options", plain, jar, root,
                    database, starts, logs));
            Path aot = root.resolve("target/aot-build/target/quarkus-app");
            Path jdk25 = Path.of(env("BENCH_JDK25", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java");
            if (Files.exists(aot.resolve("app.aot")) && Files.isExecutable(jdk25)) {
                List<String> cached = new ArrayList<>(List.of(jdk25.toString()));
                cached.addAll(shippedJvmOptions(root));
                cached.add("-XX:AOTCache=" + aot.resolve("app.aot"));
                results.add(startUp("ours, JDK 25, jvm.options + AOT cache", cached, aot.resolve("quarkus-run.jar"),
                        aot, database, starts, logs));
            } else {
                System.out.println("bench: no AOT cache in target/aot-build (needs a JDK 25 in BENCH_JDK25): skipped");
            }
            for (Floor floor : Floor.values()) {
                Path app = root.resolve("target/startup-floor").resolve(floor.module).resolve("target/quarkus-app");
                if (!Files.exists(app.resolve("quarkus-run.jar")) || !Files.isExecutable(jdk25)) {
                    System.out.println("bench: no start-up floor in " + app + " (bench/run.sh builds it with a JDK 25):"
                            + " skipped");
                    continue;
                }
                List<String> command = new ArrayList<>(List.of(jdk25.toString()));
                command.addAll(shippedJvmOptions(root));
                if (floor.database) { // the reactive pool's settings: the floor has no JDBC datasource
                    database.forEach((k, v) -> {
                        if (!k.contains(".jdbc.")) {
                            command.add("-D" + k + "=" + v);
                        }
                    });
                }
                trainFloor(command, app, logs.resolve("startup-floor-" + floor.module + "-training.log"));
                command.addAll(List.of("-XX:AOTCache=" + app.resolve("app.aot"), "-jar",
                        app.resolve("quarkus-run.jar").toString()));
                results.add(timeStarts(floor.label, command, app, starts, logs));
            }
            List<Double> ms = new ArrayList<>();
            List<Long> rss = new ArrayList<>();
            for (int i = 0; i < starts; i++) {
                int port = FreePorts.next();
                Map<String, String> env = new LinkedHashMap<>(Map.of("PORT", Integer.toString(port), "NODE_ENV",
                        "production", "INNGEST_DEV", "1"));
                try (ServerProcess process = ServerProcess.start("typescript start-up", List.of("node", "server.mjs"),
                        env, reference, logs.resolve("startup-typescript.log"), port)) {
                    ms.add(process.awaitFirst200(Optional.empty(), Duration.ofSeconds(60)).toNanos() / 1e6);
                    rss.add(process.rssKb());
                }
            }
            results.add(new StartUp("TypeScript SDK", "node server.mjs", ms, rss));
            results.forEach(r -> System.out.printf("bench: start-up %s: median %.0f ms, min %.0f ms%n", r.label(),
                    r.median(), r.min()));
            return results;
        } finally {
            stopDatabase.run();
        }
    }

    private static StartUp startUp(String label, List<String> java, Path jar, Path directory,
            Map<String, String> database, int starts, Path logs) throws Exception {
        List<String> command = new ArrayList<>(java);
        command.add("-Dmediafanout.bench-function=true");
        database.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar.toString()));
        return timeStarts(label, command, directory, starts, logs);
    }

    /** Spawns {@code command} {@code starts} times, each until its first 200 of {@code GET /api/inngest}. */
    private static StartUp timeStarts(String label, List<String> command, Path directory, int starts, Path logs)
            throws Exception {
        List<Double> ms = new ArrayList<>();
        List<Long> rss = new ArrayList<>();
        for (int i = 0; i < starts; i++) {
            int port = FreePorts.next();
            Map<String, String> env = new LinkedHashMap<>();
            env.putAll(SHIPPED_ENVIRONMENT);
            env.put("INNGEST_DEV", "1");
            env.put("INNGEST_ALLOW_DEV_MODE_IN_PROD", "true");
            env.put("INNGEST_BASE_URL", UNUSED_BASE_URL);
            env.put("MEDIA_API_KEYS", io.mediafanout.testing.TestApiKey.CONFIG);
            env.put("ITTYBIT_API_KEY", "unused");
            env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
            try (ServerProcess process = ServerProcess.start(label, command, env, directory,
                    logs.resolve("startup-" + label.replaceAll("[^a-zA-Z0-9]+", "-") + ".log"), port)) {
                ms.add(process.awaitFirst200(Optional.empty(), Duration.ofSeconds(120)).toNanos() / 1e6);
                rss.add(process.rssKb());
            }
        }
        String shown = String.join(" ", command).replace(directory.toString() + "/", "")
                .replace(Path.of("").toAbsolutePath() + "/", "")
                .replaceAll("-Dquarkus\\.datasource\\.\\S+ ", "");
        return new StartUp(label, shown, ms, rss);
    }

    /**
     * Trains the start-up floor's AOT cache the way JDK 25 does without Quarkus' help ({@code -XX:AOTCacheOutput}): one
     * start, {@value #FLOOR_TRAINING_REQUESTS} requests, a normal exit (the JVM writes the cache as it exits). Kept
     * until the floor's jar is rebuilt.
     */
    private static void trainFloor(List<String> java, Path floor, Path log) throws Exception {
        Path cache = floor.resolve("app.aot");
        Path jar = floor.resolve("quarkus-run.jar");
        if (Files.exists(cache) && Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) > 0) {
            return;
        }
        Files.deleteIfExists(cache);
        System.out.println("bench: training the start-up floor's AOT cache (" + floor + ")");
        List<String> command = new ArrayList<>(java);
        command.addAll(List.of("-XX:AOTCacheOutput=" + cache, "-jar", jar.toString()));
        int port = FreePorts.next();
        try (ServerProcess process = ServerProcess.start("start-up floor (training)", command,
                Map.of("QUARKUS_HTTP_PORT", Integer.toString(port)), floor, log, port)) {
            process.awaitFirst200(Optional.empty(), Duration.ofSeconds(120));
            try (RawHttp http = new RawHttp("127.0.0.1", port)) {
                for (int i = 0; i < FLOOR_TRAINING_REQUESTS; i++) {
                    int status = http.send(RawHttp.head("GET", "/api/inngest", "127.0.0.1:" + port, Map.of(), 0), null)
                            .status();
                    if (status != 200) {
                        throw new IllegalStateException("the start-up floor answered " + status + "; log: " + log);
                    }
                }
            }
            process.stopAndWait(Duration.ofMinutes(2));
        }
        if (!Files.exists(cache)) {
            throw new IllegalStateException("the start-up floor wrote no AOT cache; log: " + log + "\n"
                    + ServerProcess.tail(log, 30));
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code BENCH_JVM_OPTS}: extra JVM options for our service (e.g. a JFR recording to profile it); none by default. */
    static List<String> serviceJvmOptions() {
        String opts = env("BENCH_JVM_OPTS", "");
        return opts.isEmpty() ? List.of() : List.of(opts.split("\\s+"));
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    static int intEnv(String name, int fallback) {
        return Integer.parseInt(env(name, Integer.toString(fallback)));
    }
}
