package io.mediafanout.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.mediafanout.inngest.auth.Signatures;

/**
 * Closed-loop load at a fixed concurrency: {@code concurrency} threads, each on its own keep-alive connection, send
 * the same prepared request back to back. A warm-up runs first; then, during a fixed window, every response is
 * checked (status and op marker), its latency recorded, and the server's CPU time (from {@code /proc}) read at
 * both ends of the window.
 */
final class Load {

    /** One kind of executor request. */
    record Scenario(String key, String title, String pathAndQuery, byte[] body, int expectedStatus, String marker) {
    }

    /** What one scenario measured on one server. */
    record Result(long requests, double seconds, double requestsPerSecond, double p50Ms, double p99Ms, double maxMs,
            double cpuMsPerRequest, double clientCpuMsPerRequest, double otherCores, long errors,
            Map<String, Long> errorKinds) {
        boolean valid() {
            return errors == 0 && requests > 0;
        }
    }

    private Load() {
    }

    static Result run(ServerProcess server, Scenario scenario, Optional<String> signingKey, String serverKind,
            int concurrency, Duration warmup, Duration duration) throws Exception {
        String host = "127.0.0.1:" + server.port;
        Map<String, String> fixedHeaders = new LinkedHashMap<>();
        fixedHeaders.put("Content-Type", "application/json");
        fixedHeaders.put("X-Inngest-Server-Kind", serverKind);
        byte[] body = scenario.body();
        // dev mode: the head never changes; cloud mode: signed per request with the current time
        byte[] devHead = signingKey.isPresent() ? null : headWith(host, scenario, fixedHeaders, "");
        byte[] marker = scenario.marker().getBytes(StandardCharsets.UTF_8);

        long start = System.nanoTime();
        long measureStart = start + warmup.toNanos();
        long measureEnd = measureStart + duration.toNanos();
        LongAdder errors = new LongAdder();
        Map<String, Long> errorKinds = new ConcurrentHashMap<>();
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            Worker worker = new Worker();
            worker.thread = new Thread(() -> {
                try (RawHttp http = new RawHttp("127.0.0.1", server.port)) {
                    while (true) {
                        byte[] head = devHead != null ? devHead
                                : headWith(host, scenario, fixedHeaders, Signatures.header(signingKey.get(), body,
                                        System.currentTimeMillis() / 1000));
                        long t0 = System.nanoTime();
                        if (t0 >= measureEnd) {
                            break;
                        }
                        String problem = null;
                        try {
                            RawHttp.Response response = http.send(head, body);
                            if (response.status() != scenario.expectedStatus()) {
                                problem = "HTTP " + response.status();
                            } else if (indexOf(response.body(), marker) < 0) {
                                problem = "HTTP " + response.status() + " without " + scenario.marker();
                            }
                        } catch (IOException e) {
                            problem = e.getClass().getSimpleName();
                        }
                        long t1 = System.nanoTime();
                        if (t1 >= measureStart && t1 <= measureEnd) {
                            if (problem != null) {
                                errors.increment();
                                errorKinds.merge(problem, 1L, Long::sum);
                            }
                            worker.record(t1 - t0);
                        } else if (problem != null && t1 < measureStart) {
                            // a failure during the warm-up also invalidates the figure
                            errors.increment();
                            errorKinds.merge("warm-up: " + problem, 1L, Long::sum);
                        }
                    }
                }
            }, "load-" + i);
            worker.thread.setDaemon(true);
            workers.add(worker);
            worker.thread.start();
        }
        sleepUntil(measureStart);
        long cpu0 = server.cpuTicks();
        long self0 = ServerProcess.selfCpuTicks();
        long machine0 = ServerProcess.machineBusyTicks();
        sleepUntil(measureEnd);
        long cpu1 = server.cpuTicks();
        long self1 = ServerProcess.selfCpuTicks();
        long machine1 = ServerProcess.machineBusyTicks();
        int total = 0;
        for (Worker worker : workers) {
            worker.thread.join(Duration.ofSeconds(90).toMillis());
            if (worker.thread.isAlive()) {
                throw new IllegalStateException("a load thread did not finish (a request stuck for 90 s)");
            }
            total += worker.count;
        }
        long[] all = new long[total];
        int at = 0;
        for (Worker worker : workers) {
            System.arraycopy(worker.latencies, 0, all, at, worker.count);
            at += worker.count;
        }
        Arrays.sort(all);
        double seconds = duration.toNanos() / 1e9;
        double cpuMs = ServerProcess.ticksToMillis(cpu1 - cpu0);
        double selfMs = ServerProcess.ticksToMillis(self1 - self0);
        return new Result(total, seconds, total / seconds, percentile(all, 0.50), percentile(all, 0.99),
                all.length == 0 ? Double.NaN : all[all.length - 1] / 1e6,
                total == 0 ? Double.NaN : cpuMs / total, total == 0 ? Double.NaN : selfMs / total,
                Math.max(0, ServerProcess.ticksToMillis(machine1 - machine0) - cpuMs - selfMs) / 1000 / seconds,
                errors.sum(),
                new TreeMap<>(errorKinds));
    }

    /** One load thread and the latencies (ns) it measured in the window. */
    private static final class Worker {
        Thread thread;
        long[] latencies = new long[1 << 15];
        int count;

        void record(long nanos) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
        }
    }

    private static byte[] headWith(String host, Scenario scenario, Map<String, String> fixed, String signature) {
        Map<String, String> headers = new LinkedHashMap<>(fixed);
        // the transcripts carry the header in dev mode too, empty
        headers.put("X-Inngest-Signature", signature);
        return RawHttp.head("POST", scenario.pathAndQuery(), host, headers, scenario.body().length);
    }

    static double percentile(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, index))] / 1e6;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, Math.min(left / 1_000_000, 200)));
        }
    }
}
