package io.mediafanout.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.FreePorts;
import io.mediafanout.testing.PostgresTestResource;
import io.mediafanout.testing.TcpRoundRobin;

/**
 * The capacity part ({@code BENCH_PARTS=capacity}): bursts of concurrent runs against two replicas of the packaged
 * service behind a round-robin Service, one PostgreSQL, each replica started as a pod of {@code BENCH_CAPACITY_MEMORY}
 * (256 MiB: {@code java @jvm.options -XX:MaxRAM=256m}): 1,000 and 5,000 runs ({@code BENCH_CAPACITY_RUNS}), with
 * webhooks and with durable polling. The emulator honours the concurrency the service declares at sync, as Inngest
 * does. The baseline, in the same run: the same 1,000 runs with the bounds switched off (no admission limit, no
 * declared concurrency, the database pool's waits as Vert.x's defaults), at 1 GiB per replica. Per burst: wall time,
 * step calls per second, p50/p99 of the time one call spends in the service, peak RSS per replica, replicas that died
 * (out of memory), runs completed and records {@code ready}.
 */
final class Capacity {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FN = "media-pipeline-fanout-adaptive-streaming";

    /** One burst's outcome. */
    record Burst(String label, boolean bounded, String memory, boolean webhooks, int runs, double wallSeconds,
            long calls, double p50Ms, double p99Ms, long[] peakRssKb, double[] cpuSeconds, int deaths, int completed,
            int ready, List<String> problems) {

        double callsPerSecond() {
            return calls / wallSeconds;
        }
    }

    private final Path root;
    private final Path jar;
    private final Path logs;
    private final String ittybitUrl;
    private final String inngestUrl;

    Capacity(Path root, Path jar, Path logs) {
        this.root = root;
        this.jar = jar;
        this.logs = logs;
        this.ittybitUrl = new FakeIttybit().start().get("quarkus.rest-client.ittybit.url");
        this.inngestUrl = new FakeInngestApi().start().get("inngest.base-url");
    }

    /** Every burst of the part, the baseline first. */
    List<Burst> run() throws Exception {
        String memory = Benchmark.env("BENCH_CAPACITY_MEMORY", "256m");
        List<Integer> sizes = Arrays.stream(Benchmark.env("BENCH_CAPACITY_RUNS", "1000,5000").split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        List<Burst> bursts = new ArrayList<>();
        for (boolean webhooks : new boolean[] { true, false }) {
            bursts.add(burst(false, "1g", webhooks, sizes.get(0)));
            for (int runs : sizes) {
                bursts.add(burst(true, memory, webhooks, runs));
            }
        }
        return bursts;
    }

    private Burst burst(boolean bounded, String memory, boolean webhooks, int runs) throws Exception {
        String label = (bounded ? "bounded" : "unbounded baseline") + ", " + memory + ", "
                + (webhooks ? "webhooks" : "durable polling") + ", " + runs + " runs";
        return burst(label, bounded, memory, webhooks, runs, mediaId -> {
        });
    }

    /**
     * One burst of {@code runs} runs started at once on two fresh replicas; {@code script} scripts the fake Ittybit
     * for each media id on top of the tasks' 1-3 s (e.g. rate limits).
     */
    Burst burst(String label, boolean bounded, String memory, boolean webhooks, int runs,
            java.util.function.Consumer<String> script) throws Exception {
        System.out.println("bench: capacity " + label);
        PostgresTestResource postgres = new PostgresTestResource();
        Map<String, String> database = postgres.start();
        Runnable stopDatabase = Benchmark.onExit(postgres::stop);
        List<Integer> ports = List.of(FreePorts.next(), FreePorts.next());
        List<ServerProcess> replicas = new ArrayList<>();
        String batch = UUID.randomUUID().toString().substring(0, 6);
        List<String> mediaIds = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            String mediaId = "cap-" + batch + "-" + i;
            mediaIds.add(mediaId);
            // the pipeline's tasks, as the e2e part's short workload: 1-3 s each
            EndToEnd.Workload.shortTasks(runs).taskTimes()
                    .forEach((branch, time) -> FakeIttybit.script(mediaId, branch.kind()).completeAfter(time));
            script.accept(mediaId);
        }
        try (TcpRoundRobin service = new TcpRoundRobin(ports)) {
            for (int r = 0; r < 2; r++) {
                replicas.add(start(r, ports.get(r), memory, bounded, webhooks, service, database, label));
            }
            for (ServerProcess replica : replicas) {
                replica.awaitFirst200(Optional.empty(), Duration.ofSeconds(120));
            }
            ExecutorEmulator.resetConcurrency();
            ExecutorEmulator emulator = new ExecutorEmulator(service.url("/api/inngest"), FN, Optional.empty(), 3,
                    Duration.ofSeconds(5)).connectionRetryDelay(Duration.ofSeconds(1));
            if (bounded) {
                emulator.concurrency(FakeInngestApi.syncedFunction(service.url("/api/inngest"), FN));
            }
            emulator.register();
            warmUp(emulator, batch);
            BurstRuns.PeakRss rss = new BurstRuns.PeakRss(replicas, "capacity-rss");
            List<com.fasterxml.jackson.databind.JsonNode> events = new ArrayList<>();
            for (String mediaId : mediaIds) {
                com.fasterxml.jackson.databind.node.ObjectNode event = JSON.createObjectNode().put("name", "video/uploaded");
                event.set("data", JSON.createObjectNode().put("mediaId", mediaId)
                        .put("sourceUrl", "https://uploads.example/" + mediaId + ".mp4"));
                events.add(event);
            }
            BurstRuns started = new BurstRuns(events, emulator, Duration.ZERO, "capacity-run");
            BurstRuns.CpuClock clock = new BurstRuns.CpuClock(replicas);
            double wall = started.runAll(Duration.ofMinutes(20));
            double[] cpu = clock.seconds();
            emulator.close();
            long[] peak = rss.stop();
            int[] deaths = { rss.deaths() };
            for (int r = 0; r < 2; r++) {
                String log = Files.readString(logs.resolve(logName(label, r)));
                if (log.contains("OutOfMemoryError") && replicas.get(r).isAlive()) {
                    deaths[0]++;
                }
            }
            List<String> problems = started.problems;
            AtomicInteger completed = started.completed;
            double[] sorted = started.sortedCallMs();
            int ready = ready(database, "cap-" + batch + "-%");
            Burst burst = new Burst(label, bounded, memory, webhooks, runs, wall, sorted.length,
                    percentile(sorted, 0.5), percentile(sorted, 0.99), peak, cpu, deaths[0], completed.get(), ready,
                    new ArrayList<>(problems));
            System.out.printf(Locale.ROOT, "bench: capacity %s: %.1f s, %d/%d completed, %d ready, %.0f calls/s, call "
                    + "p50 %.0f ms p99 %.0f ms, RSS peak %d / %d MiB, CPU s pods %.1f / %.1f, load generator %.1f, machine %.1f, "
                    + "%d died%s%n", label, wall, completed.get(), runs,
                    ready, burst.callsPerSecond(), burst.p50Ms(), burst.p99Ms(), peak[0] / 1024, peak[1] / 1024,
                    cpu[0], cpu[1], cpu[2], cpu[3], deaths[0], problems.isEmpty() ? "" : "; e.g. " + problems.get(0));
            return burst;
        } finally {
            replicas.forEach(ServerProcess::close);
            stopDatabase.run();
        }
    }

    /** Warm replicas, as a burst finds them in production: 40 runs, 8 at a time, before the burst (not measured). */
    static void warmUp(ExecutorEmulator emulator, String batch) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String mediaId = "warm-" + batch + "-" + i;
                for (Branch branch : Branch.values()) {
                    FakeIttybit.script(mediaId, branch.kind()).completeAfter(Duration.ofMillis(300));
                }
                runs.add(pool.submit(() -> emulator.run("video/uploaded", JSON.createObjectNode().put("mediaId", mediaId)
                        .put("sourceUrl", "https://uploads.example/" + mediaId + ".mp4"))));
            }
            for (var run : runs) {
                run.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private ServerProcess start(int replica, int port, String memory, boolean bounded, boolean webhooks,
            TcpRoundRobin service, Map<String, String> database, String label) throws Exception {
        Map<String, String> env = EndToEnd.serviceEnvironment(inngestUrl, ittybitUrl, port);
        env.put("MEDIA_RECONCILER_EVERY", "off");
        env.put("INNGEST_CONCURRENCY_REPLICAS", "2");
        if (webhooks) {
            env.put("ITTYBIT_WEBHOOK_BASE_URL", service.url("").toString().replaceAll("/$", ""));
        }
        if (!bounded) {
            // the behaviour before admission: every call executes at once, nothing declared to Inngest, the pool's
            // waits as Vert.x's defaults (30 s, no bound on waiters)
            env.put("INNGEST_ADMISSION_MAX_CALLS", "1000000");
            env.put("INNGEST_ADMISSION_MAX_BODY_BYTES", Long.toString(1L << 40));
            env.put("INNGEST_ADMISSION_QUEUE", "1000000");
            env.put("INNGEST_CONCURRENCY_LIMIT", "0");
            env.put("MEDIA_DATABASE_ACQUIRE_TIMEOUT", "PT30S");
            env.put("MEDIA_DATABASE_MAX_WAITING", "-1");
        }
        return ServerProcess.start("media-fanout capacity replica " + replica,
                EndToEnd.serviceCommand(root, jar, memory, database), env, root, logs.resolve(logName(label, replica)),
                port);
    }

    private static String logName(String label, int replica) {
        return "capacity-" + label.replaceAll("[^a-z0-9]+", "-") + "-" + replica + ".log";
    }


    /** Records matching {@code idPattern} (SQL {@code like}) that are ready, read from the database itself. */
    static int ready(Map<String, String> database, String idPattern) throws Exception {
        try (Connection c = DriverManager.getConnection(database.get("quarkus.datasource.jdbc.url"),
                database.get("quarkus.datasource.username"), database.getOrDefault("quarkus.datasource.password", ""));
                PreparedStatement select = c.prepareStatement(
                        "select count(*) from media where id like ? and status = 'ready'")) {
            select.setString(1, idPattern);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** The part's section of docs/benchmarks.md. */
    static String markdown(List<Burst> bursts, String command) {
        StringBuilder md = new StringBuilder("\n## Capacity: bursts on two replicas (issue 23)\n\n");
        md.append("Two replicas of the packaged jar behind a round-robin Service (`TcpRoundRobin`, connections forwarded as kube-proxy does), one PostgreSQL, ")
                .append("each replica started as a pod (`java @jvm.options -XX:MaxRAM=<memory>`, `MALLOC_ARENA_MAX=2`); ")
                .append("40 runs warm the replicas up, then every run of the burst starts at once; tasks of 1-3 s. The emulator honours the concurrency the service ")
                .append("declares at sync (bounded rows; `INNGEST_CONCURRENCY_REPLICAS=2`). The baseline switches the ")
                .append("bounds off (`INNGEST_ADMISSION_MAX_CALLS=1000000`, `INNGEST_CONCURRENCY_LIMIT=0`, the pool's ")
                .append("waits as Vert.x's defaults) at 1 GiB per replica. *Call* is the time one call from Inngest ")
                .append("spends in the service (through the Service). Command: `").append(command).append("`.\n\n");
        md.append("| burst | wall | completed | ready | step calls/s | call p50 | call p99 | RSS peak A / B | died |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Burst b : bursts) {
            md.append(String.format(Locale.ROOT, "| %s | %.1f s | %d/%d | %d | %.0f | %.0f ms | %.0f ms | %d / %d MiB | %d |%n",
                    b.label(), b.wallSeconds(), b.completed(), b.runs(), b.ready(), b.callsPerSecond(), b.p50Ms(),
                    b.p99Ms(), b.peakRssKb()[0] / 1024, b.peakRssKb()[1] / 1024, b.deaths()));
        }
        for (Burst b : bursts) {
            if (!b.problems().isEmpty()) {
                md.append("\n").append(b.label()).append(": ").append(b.problems().size()).append(" problem(s), e.g. `")
                        .append(b.problems().get(0).replace('`', '\'')).append("`\n");
            }
        }
        return md.toString();
    }
}
