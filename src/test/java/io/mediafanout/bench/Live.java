package io.mediafanout.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeInngestApi;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.FreePorts;
import io.mediafanout.testing.PostgresTestResource;
import io.mediafanout.testing.TcpRoundRobin;
import io.mediafanout.testing.TestApiKey;

/**
 * The live-progress part ({@code BENCH_PARTS=live}, issue 36): two replicas of the packaged jar as 256 MiB pods
 * ({@code BENCH_LIVE_MEMORY}) in cloud mode (every call from the emulated executor signed, every answer signed), one
 * PostgreSQL, {@code BENCH_LIVE_OWNERS} (20) owners with an API key each. Two bursts of {@code BENCH_LIVE_UPLOADS}
 * (200) uploads ({@code POST /media}, then the run of the event the API sent, all at once, tasks of 1-3 s): the first
 * with no stream open (the calls' usual p99), the second with {@code BENCH_LIVE_STREAMS_PER_UPLOAD} (10) streams of
 * each record open, half on each replica (2,000), opened before its run starts, each as the record's owner.
 * <p>
 * The delay is from the commit of a record's final change to the final message at each of its streams. The commit's
 * time is when this process, a {@code LISTEN media_changes} client of the same PostgreSQL, receives the change's
 * notice (PostgreSQL sends notices at commit: the pods receive theirs at the same moment); a message arriving after
 * several notices is timed from the last one before it. Also: the pods' RSS (sampled every 100 ms, and the kernel's
 * peak), the step calls' p50/p99 in each burst, streams that did not open or did not end with the final state. A
 * burst with streams before them, not reported, warms the driver and the pods.
 */
final class Live {

    private static final String FN = "media-pipeline-fanout-adaptive-streaming";

    /** One burst: its calls, and (with streams) what the streams saw. */
    record Burst(String label, int uploads, int streams, int opened, int refused, double openingSeconds, int ended,
            double wallSeconds, long calls,
            double callP50Ms, double callP99Ms, double[] delaysMs, long[] peakRssKb, long[] beforeRssKb,
            long[] idleRssKb, double[] cpuSeconds, String reads, int deaths,
            int ready, List<String> problems) {
    }

    private final Path root;
    private final Path jar;
    private final Path logs;
    private final String ittybitUrl;
    private final String inngestUrl;

    Live(Path root, Path jar, Path logs) {
        this.root = root;
        this.jar = jar;
        this.logs = logs;
        this.ittybitUrl = new FakeIttybit().start().get("quarkus.rest-client.ittybit.url");
        this.inngestUrl = new FakeInngestApi().start().get("inngest.base-url");
    }

    static String memory() {
        return Benchmark.env("BENCH_LIVE_MEMORY", "256m");
    }

    List<Burst> run() throws Exception {
        int uploads = Benchmark.intEnv("BENCH_LIVE_UPLOADS", 200);
        int perUpload = Benchmark.intEnv("BENCH_LIVE_STREAMS_PER_UPLOAD", 10);
        int owners = Benchmark.intEnv("BENCH_LIVE_OWNERS", 20);
        List<String> keys = new ArrayList<>();
        StringBuilder apiKeys = new StringBuilder(TestApiKey.CONFIG);
        for (int i = 0; i < owners; i++) {
            String key = "mf_live_owner" + i + "_" + "0123456789abcdef0123456789abcdef";
            keys.add(key);
            apiKeys.append(',').append(TestApiKey.entry("owner" + i, key, "media:write+media:read"));
        }
        PostgresTestResource postgres = new PostgresTestResource();
        Map<String, String> database = postgres.start();
        Runnable stopDatabase = Benchmark.onExit(postgres::stop);
        List<Integer> ports = List.of(FreePorts.next(), FreePorts.next());
        List<ServerProcess> replicas = new ArrayList<>();
        try (TcpRoundRobin service = new TcpRoundRobin(ports); Notices notices = new Notices(database)) {
            for (int r = 0; r < 2; r++) {
                replicas.add(start(r, ports.get(r), apiKeys.toString(), service, database));
            }
            for (ServerProcess replica : replicas) {
                replica.awaitFirst200(Optional.of(Benchmark.SIGNING_KEY), Duration.ofSeconds(120));
            }
            ExecutorEmulator.resetConcurrency();
            ExecutorEmulator emulator = new ExecutorEmulator(service.url("/api/inngest"), FN,
                    Optional.of(Benchmark.SIGNING_KEY), 3, Duration.ofSeconds(5))
                    .connectionRetryDelay(Duration.ofSeconds(1));
            emulator.concurrency(FakeInngestApi.syncedFunction(service.url("/api/inngest"), FN));
            emulator.register();
            Capacity.warmUp(emulator, UUID.randomUUID().toString().substring(0, 6));
            List<URI> bases = ports.stream().map(p -> URI.create("http://127.0.0.1:" + p + "/")).toList();
            // warm-up, not reported: the first burst with streams is the one in which the driver's JIT (C2) compiles
            // the emulator and the 2,000 stream clients, and the pods' JIT the stream code, on the same two cores
            burst("warm-up, " + uploads + " uploads all at once, " + uploads * perUpload + " streams (not reported)",
                    uploads, perUpload, Duration.ZERO, keys, service, bases, emulator, replicas, notices, database);
            List<Burst> bursts = new ArrayList<>();
            Duration ramp = Duration.ofSeconds(Benchmark.intEnv("BENCH_LIVE_RAMP", 10));
            for (Duration starts : List.of(Duration.ZERO, ramp)) {
                String when = starts.isZero() ? "all at once" : "starting over " + starts.toSeconds() + " s";
                bursts.add(burst(uploads + " uploads " + when + ", no streams", uploads, 0, starts, keys, service,
                        bases, emulator, replicas, notices, database));
                bursts.add(burst(uploads + " uploads " + when + ", " + uploads * perUpload + " streams", uploads,
                        perUpload, starts, keys, service, bases, emulator, replicas, notices, database));
            }
            // the same streams while the pods are not saturated: one upload per owner, each watched 10× as much
            int few = keys.size();
            bursts.add(burst(few + " uploads starting over " + ramp.toSeconds() + " s, " + uploads * perUpload
                    + " streams (not a goal: the pods' latency without a saturated machine)", few,
                    uploads * perUpload / few, ramp, keys, service, bases, emulator, replicas, notices, database));
            emulator.close();
            return bursts;
        } finally {
            replicas.forEach(ServerProcess::close);
            stopDatabase.run();
        }
    }

    private Burst burst(String label, int uploads, int perUpload, Duration ramp, List<String> keys,
            TcpRoundRobin service,
            List<URI> bases, ExecutorEmulator emulator, List<ServerProcess> replicas, Notices notices,
            Map<String, String> database) throws Exception {
        System.out.println("bench: live " + label);
        String batch = "live-" + UUID.randomUUID().toString().substring(0, 6);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        List<String> mediaIds = new ArrayList<>();
        for (int i = 0; i < uploads; i++) {
            String mediaId = batch + "-" + i;
            mediaIds.add(mediaId);
            EndToEnd.Workload.shortTasks(uploads).taskTimes()
                    .forEach((branch, time) -> FakeIttybit.script(mediaId, branch.kind()).completeAfter(time));
            String key = keys.get(i % keys.size());
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(service.url("/media"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"mediaId\":\"" + mediaId
                            + "\",\"sourceUrl\":\"https://uploads.example/" + mediaId + ".mp4\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 202) {
                throw new IllegalStateException("upload " + mediaId + ": " + answer.statusCode() + " " + answer.body());
            }
        }
        // one thread per run, released once the streams are open
        BurstRuns runs = new BurstRuns(mediaIds.stream()
                .map(mediaId -> FakeInngestApi.receivedEvent(MediaEvents.UPLOADED, mediaId)).toList(), emulator, ramp,
                "live-run");
        List<String> problems = runs.problems;
        // the streams, each as its record's owner, alternating replicas; each has its first message before runs start
        List<Stream> streams = new ArrayList<>();
        for (int i = 0; i < uploads; i++) {
            for (int s = 0; s < perUpload; s++) {
                streams.add(new Stream(mediaIds.get(i), bases.get(s % 2), keys.get(i % keys.size()), notices));
            }
        }
        long[] before = new long[2];
        for (int r = 0; r < 2; r++) {
            before[r] = replicas.get(r).isAlive() ? replicas.get(r).rssKb() : 0;
        }
        int opened = 0;
        AtomicInteger refused = new AtomicInteger();
        long openingStarted = System.nanoTime();
        for (Stream stream : streams) {
            stream.open(http, problems, refused);
        }
        long openBy = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        for (Stream stream : streams) {
            if (stream.first.await(Math.max(1, openBy - System.nanoTime()), TimeUnit.NANOSECONDS)
                    && stream.status == 200) {
                opened++;
            }
        }
        double openingSeconds = (System.nanoTime() - openingStarted) / 1e9;
        long[] idle = new long[2];
        for (int r = 0; r < 2; r++) {
            idle[r] = replicas.get(r).isAlive() ? replicas.get(r).rssKb() : 0;
        }
        BurstRuns.PeakRss rss = new BurstRuns.PeakRss(replicas, "live-rss");
        BurstRuns.CpuClock clock = new BurstRuns.CpuClock(replicas);
        Duration within = Duration.ofMinutes(10);
        long deadline = System.nanoTime() + within.toNanos();
        double wall = runs.runAll(within);
        int ended = 0;
        List<Double> delays = new ArrayList<>();
        for (Stream stream : streams) {
            if (stream.end.await(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS)
                    && stream.finalArrival > 0) {
                ended++;
                stream.delayMs().ifPresent(delays::add);
            }
        }
        long[] peak = rss.stop();
        // CPU seconds over the burst: each pod, this load generator (runs and stream clients), the whole machine
        double[] cpu = clock.seconds();
        String reads = bases.stream().map(base -> readTimes(http, base)).collect(java.util.stream.Collectors.joining(" / "));
        int deaths = rss.deaths();
        double[] calls = runs.sortedCallMs();
        double[] sortedDelays = delays.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Burst burst = new Burst(label, uploads, streams.size(), opened, refused.get(), openingSeconds, ended, wall,
                calls.length,
                Capacity.percentile(calls, 0.5), Capacity.percentile(calls, 0.99), sortedDelays, peak, before, idle, cpu, reads, deaths,
                Capacity.ready(database, batch + "-%"), new ArrayList<>(problems));
        System.out.printf(Locale.ROOT, "bench: live %s: %.1f s, %d ready of %d, call p50 %.0f ms p99 %.0f ms, streams "
                + "%d opened (in %.1f s, %d answers 503/429 tried again) %d ended with the final state, delay p50 %.0f ms p99 %.0f ms max %.0f ms (%d), RSS with "
                + "streams open %d / %d MiB, peak %d / %d MiB, CPU s pods %.1f / %.1f, bench %.1f, machine %.1f, live reads "
                + "(count, mean, max) %s, %d died%s%n", label, wall, burst.ready(), uploads,
                burst.callP50Ms(), burst.callP99Ms(), opened, openingSeconds, refused.get(), ended, Capacity.percentile(sortedDelays, 0.5),
                Capacity.percentile(sortedDelays, 0.99), sortedDelays.length == 0 ? Double.NaN
                        : sortedDelays[sortedDelays.length - 1], sortedDelays.length, idle[0] / 1024, idle[1] / 1024,
                peak[0] / 1024, peak[1] / 1024, cpu[0], cpu[1], cpu[2], cpu[3], reads, deaths, problems.isEmpty() ? "" : "; e.g. " + problems.get(0));
        return burst;
    }

    /** {@code media_live_reads} of one pod as its metrics show them now: count, mean and max (ms). */
    private static String readTimes(HttpClient http, URI base) {
        try {
            String metrics = http.send(HttpRequest.newBuilder(base.resolve("q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            double count = metric(metrics, "media_live_reads_seconds_count");
            double sum = metric(metrics, "media_live_reads_seconds_sum");
            double max = metric(metrics, "media_live_reads_seconds_max");
            return String.format(Locale.ROOT, "%.0f, %.0f ms, %.0f ms", count, count == 0 ? 0 : sum / count * 1000,
                    max * 1000);
        } catch (Exception e) {
            return "?";
        }
    }

    private static double metric(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** One client's stream of one record: when its messages arrived, and when its final one did. */
    static final class Stream implements Flow.Subscriber<String> {
        private static final String STATUS = "\"status\":\"";
        final String mediaId;
        final URI base;
        final String key;
        final Notices notices;
        final CountDownLatch first = new CountDownLatch(1);
        final CountDownLatch end = new CountDownLatch(1);
        volatile int status;
        volatile long finalArrival;

        Stream(String mediaId, URI base, String key, Notices notices) {
            this.mediaId = mediaId;
            this.base = base;
            this.key = key;
            this.notices = notices;
        }

        /**
         * Opens the stream; a {@code 503} or {@code 429} (a busy pod, a cap) is tried again after its
         * {@code Retry-After}, as a client should.
         */
        void open(HttpClient http, List<String> problems, AtomicInteger refused) {
            http.sendAsync(HttpRequest.newBuilder(base.resolve("media/" + mediaId + "/events"))
                    .header("Authorization", "Bearer " + key).header("Accept", "text/event-stream").build(),
                    info -> info.statusCode() == 200 ? HttpResponse.BodySubscribers.fromLineSubscriber(this)
                            : HttpResponse.BodySubscribers.discarding()).whenComplete((response, failure) -> {
                        int answered = failure != null ? -1 : response.statusCode();
                        if (answered == 503 || answered == 429) {
                            refused.incrementAndGet();
                            long wait = response.headers().firstValueAsLong("Retry-After").orElse(1);
                            java.util.concurrent.CompletableFuture.delayedExecutor(wait, TimeUnit.SECONDS)
                                    .execute(() -> open(http, problems, refused));
                        } else if (answered != 200) {
                            status = answered;
                            if (problems.size() < 20) {
                                problems.add(mediaId + " stream: " + (failure != null ? failure : answered));
                            }
                            first.countDown();
                            end.countDown();
                        }
                    });
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            status = 200;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (!line.startsWith("data:")) {
                return;
            }
            long arrival = System.nanoTime();
            first.countDown();
            // the record's own status is its JSON's second field (after the id), the first "status" in the line:
            // found without parsing, so that the client's own CPU adds little to the delays it measures
            int status = line.indexOf(STATUS);
            if (status > 0 && !line.startsWith("processing", status + STATUS.length())) {
                finalArrival = arrival;
            }
        }

        @Override
        public void onError(Throwable throwable) {
            end.countDown();
        }

        @Override
        public void onComplete() {
            end.countDown();
        }

        /** From the last notice of the record before the final message to the final message. */
        Optional<Double> delayMs() {
            return notices.lastBefore(mediaId, finalArrival).map(notice -> (finalArrival - notice) / 1e6);
        }
    }

    /** A {@code LISTEN media_changes} client of the pods' PostgreSQL: when each record's notices arrived. */
    static final class Notices implements AutoCloseable {
        private final Map<String, ConcurrentSkipListMap<Long, Boolean>> received = new ConcurrentHashMap<>();
        private final Connection connection;
        private final Thread reader;
        private final AtomicInteger count = new AtomicInteger();

        Notices(Map<String, String> database) throws Exception {
            connection = DriverManager.getConnection(database.get("quarkus.datasource.jdbc.url"),
                    database.get("quarkus.datasource.username"),
                    database.getOrDefault("quarkus.datasource.password", ""));
            connection.createStatement().execute("LISTEN media_changes");
            PGConnection pg = connection.unwrap(PGConnection.class);
            reader = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        PGNotification[] notes = pg.getNotifications(500);
                        long now = System.nanoTime();
                        if (notes != null) {
                            for (PGNotification note : notes) {
                                received.computeIfAbsent(note.getParameter(), id -> new ConcurrentSkipListMap<>())
                                        .put(now, Boolean.TRUE);
                                count.incrementAndGet();
                            }
                        }
                    } catch (java.sql.SQLException e) {
                        return;
                    }
                }
            }, "live-notices");
            reader.setDaemon(true);
            reader.start();
        }

        Optional<Long> lastBefore(String mediaId, long nanos) {
            var times = received.get(mediaId);
            return times == null ? Optional.empty() : Optional.ofNullable(times.floorKey(nanos));
        }

        @Override
        public void close() throws Exception {
            reader.interrupt();
            connection.close();
        }
    }

    private ServerProcess start(int replica, int port, String apiKeys, TcpRoundRobin service,
            Map<String, String> database) throws Exception {
        Map<String, String> env = EndToEnd.serviceEnvironment(inngestUrl, ittybitUrl, port);
        env.remove("INNGEST_DEV");
        env.remove("INNGEST_ALLOW_DEV_MODE_IN_PROD");
        env.put("INNGEST_SIGNING_KEY", Benchmark.SIGNING_KEY);
        env.put("INNGEST_EVENT_KEY", "evtkey-bench-live");
        env.put("INNGEST_SERVE_ORIGIN", "http://127.0.0.1:" + port);
        env.put("MEDIA_API_KEYS", apiKeys);
        // the bench's own client opens each owner's 100 streams at once: not what the per-key rate limit is for
        env.put("MEDIA_API_RATE_LIMIT_PER_SECOND", "10000");
        env.put("MEDIA_API_RATE_LIMIT_BURST", "10000");
        env.put("MEDIA_RECONCILER_EVERY", "off");
        env.put("INNGEST_CONCURRENCY_REPLICAS", "2");
        env.put("ITTYBIT_WEBHOOK_BASE_URL", service.url("").toString().replaceAll("/$", ""));
        // settings tried on the replicas (BENCH_LIVE_ENV="KEY=value,KEY=value"), e.g. a pool size
        for (String setting : Benchmark.env("BENCH_LIVE_ENV", "").split(",")) {
            if (setting.contains("=")) {
                env.put(setting.substring(0, setting.indexOf('=')).trim(), setting.substring(setting.indexOf('=') + 1));
            }
        }
        String jfr = Benchmark.env("BENCH_LIVE_JFR", "");
        if (!jfr.isEmpty()) {
            // a CPU profile of each replica over the whole part (jfr print --events jdk.ExecutionSample <file>)
            env.put("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=filename=" + jfr + "/live-" + replica
                    + ".jfr,settings=profile,dumponexit=true");
        }
        return ServerProcess.start("media-fanout live replica " + replica,
                EndToEnd.serviceCommand(root, jar, memory(), database), env, root,
                logs.resolve("live-" + replica + ".log"), port);
    }

    /** The part's section of docs/capacity.md. */
    static String markdown(List<Burst> bursts, String machine, String command) {
        StringBuilder md = new StringBuilder("\n## Live progress: 2,000 streams while 200 uploads run (issue 36)\n\n");
        md.append("Generated on ").append(machine).append(". Command: `").append(command).append("`.\n\n");
        md.append("Two replicas of the packaged jar as ").append(memory()).append(" pods (`java @jvm.options ")
                .append("-XX:MaxRAM=").append(memory()).append("`) in cloud mode (every call signed), one PostgreSQL, ")
                .append("20 owners with an API key each, tasks of 1-3 s, webhooks. Each burst uploads its records ")
                .append("(`POST /media`) and then runs them all at once from the events the API sent; in the second, ")
                .append("each record has 10 streams open (`GET /media/{id}/events` as its owner, half on each ")
                .append("replica) before its run starts, while its steps run on either replica. *Delay*: from the ")
                .append("commit of a record's final change to its final message at a stream, the commit timed by a ")
                .append("`LISTEN media_changes` client of the same PostgreSQL (notices go out at commit). *Call*: the ")
                .append("time one signed call from Inngest spends in the service.\n\n");
        md.append("| burst | wall | ready | streams open / ended with the final state (opening) | delay p50 | delay p99 | delay max | call p50 | call p99 | RSS with streams open A / B | RSS peak A / B | CPU s: pods A / B, load generator, machine | died |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Burst b : bursts) {
            double[] d = b.delaysMs();
            md.append(String.format(Locale.ROOT, "| %s | %.1f s | %d/%d | %s | %s | %s | %s | %.0f ms | %.0f ms | %d / %d MiB | %d / %d MiB | %.1f / %.1f, %.1f, %.1f | %d |%n",
                    b.label(), b.wallSeconds(), b.ready(), b.uploads(),
                    b.streams() == 0 ? "—" : b.opened() + " / " + b.ended() + " of " + b.streams() + " (" + b.refused()
                            + " answers 503/429 tried again, all open in " + String.format(Locale.ROOT, "%.1f s", b.openingSeconds()) + ")",
                    ms(d, 0.5), ms(d, 0.99), d.length == 0 ? "—" : String.format(Locale.ROOT, "%.0f ms", d[d.length - 1]),
                    b.callP50Ms(), b.callP99Ms(), b.idleRssKb()[0] / 1024, b.idleRssKb()[1] / 1024,
                    b.peakRssKb()[0] / 1024, b.peakRssKb()[1] / 1024, b.cpuSeconds()[0], b.cpuSeconds()[1],
                    b.cpuSeconds()[2], b.cpuSeconds()[3], b.deaths()));
        }
        for (Burst b : bursts) {
            double busy = b.cpuSeconds()[3] / (b.wallSeconds() * Runtime.getRuntime().availableProcessors());
            if (b.streams() > 0 && busy > 0.9) {
                md.append(String.format(Locale.ROOT, "%n%s: the machine was %.0f %% busy over the burst (the load "
                        + "generator, running the executor's calls and reading every stream, %.1f CPU s; the pods %.1f "
                        + "and %.1f): the pods waited for CPU, and so did their reads of changed records (%s: count, "
                        + "mean and max per pod, since start). Delays here are what two pods sharing %d cores with "
                        + "their load and PostgreSQL give, not what pods with cores of their own give.%n", b.label(),
                        busy * 100, b.cpuSeconds()[2], b.cpuSeconds()[0], b.cpuSeconds()[1], b.reads(),
                        Runtime.getRuntime().availableProcessors()));
            }
        }
        // the RSS a stream costs: from the first burst with streams only (a JVM keeps what it grew to: after it, the
        // RSS before a burst already holds the streams of the one before)
        for (Burst b : bursts.stream().filter(b -> b.streams() > 0).limit(1).toList()) {
            {
                long grown = (b.idleRssKb()[0] - b.beforeRssKb()[0]) + (b.idleRssKb()[1] - b.beforeRssKb()[1]);
                md.append(String.format(Locale.ROOT, "%n%s: RSS before the streams opened %d / %d MiB, with them %d / "
                        + "%d MiB: %.0f KiB per stream.%n", b.label(), b.beforeRssKb()[0] / 1024,
                        b.beforeRssKb()[1] / 1024, b.idleRssKb()[0] / 1024, b.idleRssKb()[1] / 1024,
                        (double) grown / b.opened()));
            }
        }
        for (int i = 0; i + 1 < bursts.size(); i += 2) {
            Burst quiet = bursts.get(i);
            Burst streamed = bursts.get(i + 1);
            double[] d = streamed.delaysMs();
            long limitKb = parseMemoryKb(memory());
            long peakKb = Math.max(streamed.peakRssKb()[0], streamed.peakRssKb()[1]);
            md.append(String.format(Locale.ROOT, "%nGoals, %s: delay p99 under 250 ms: %s (%s). RSS within the pod's "
                    + "%s: peak %d MiB (%s). No call slowed past its usual p99 (%.0f ms without streams): call p99 with "
                    + "streams %.0f ms (%s). Every stream ended with its record's final state: %d of %d (%s).%n",
                    streamed.label(), ms(d, 0.99), d.length > 0 && Capacity.percentile(d, 0.99) < 250 ? "met" : "not met",
                    memory(), peakKb / 1024, peakKb < limitKb && streamed.deaths() == 0 ? "met" : "not met",
                    quiet.callP99Ms(), streamed.callP99Ms(), streamed.callP99Ms() <= quiet.callP99Ms() ? "met" : "not met",
                    streamed.ended(), streamed.streams(), streamed.ended() == streamed.streams() ? "met" : "not met"));
        }
        for (Burst b : bursts) {
            if (!b.problems().isEmpty()) {
                md.append("\n").append(b.label()).append(": ").append(b.problems().size())
                        .append(" problem(s), e.g. `").append(b.problems().get(0).replace('`', '\'')).append("`\n");
            }
        }
        return md.toString();
    }

    private static String ms(double[] sorted, double p) {
        return sorted.length == 0 ? "—" : String.format(Locale.ROOT, "%.0f ms", Capacity.percentile(sorted, p));
    }

    private static long parseMemoryKb(String memory) {
        String m = memory.toLowerCase(Locale.ROOT);
        long n = Long.parseLong(m.replaceAll("[^0-9]", ""));
        return m.endsWith("g") ? n * 1024 * 1024 : m.endsWith("m") ? n * 1024 : n / 1024;
    }
}
