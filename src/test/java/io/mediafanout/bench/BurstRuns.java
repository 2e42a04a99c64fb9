package io.mediafanout.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.testing.ExecutorEmulator;

/**
 * What the burst parts share: one thread per run, all released at once (or spread over a ramp), each run's calls and
 * outcome collected; and the replicas' peak RSS sampled while the burst lasts.
 */
final class BurstRuns {

    final ConcurrentLinkedQueue<Double> callMs = new ConcurrentLinkedQueue<>();
    final AtomicInteger completed = new AtomicInteger();
    final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch go = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();

    /** One thread per event, waiting for {@link #go}; the i-th of n starts {@code ramp × i / n} after it. */
    BurstRuns(List<JsonNode> events, ExecutorEmulator emulator, Duration ramp, String name) {
        for (JsonNode event : events) {
            long startAfterMs = ramp.toMillis() * threads.size() / Math.max(1, events.size());
            String mediaId = event.path("data").path("mediaId").asText();
            Thread thread = new Thread(null, () -> {
                try {
                    go.await();
                    Thread.sleep(startAfterMs);
                    ExecutorEmulator.Run run = emulator.runEvent(event);
                    run.calls().forEach(call -> callMs.add(call.durationMillis()));
                    if (run.status().equals("completed")) {
                        completed.incrementAndGet();
                    } else {
                        problem(mediaId + ": " + run.status() + " " + run.output());
                    }
                } catch (Throwable e) {
                    problem(mediaId + ": " + e);
                }
            }, name, 256 * 1024);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    void problem(String problem) {
        if (problems.size() < 20) {
            problems.add(problem);
        }
    }

    /** Releases every run; returns when they have all ended or {@code within} has passed: the wall time in s. */
    double runAll(Duration within) throws InterruptedException {
        long t0 = System.nanoTime();
        go.countDown();
        long deadline = t0 + within.toNanos();
        for (Thread thread : threads) {
            thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** The calls' durations, sorted. */
    double[] sortedCallMs() {
        return callMs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /** CPU time from creation to {@link #seconds}: replicas A and B, this load generator, the whole machine. */
    static final class CpuClock {
        private final List<ServerProcess> replicas;
        private final long[] start;

        CpuClock(List<ServerProcess> replicas) {
            this.replicas = replicas;
            this.start = ticks();
        }

        private long[] ticks() {
            return new long[] { replicas.get(0).cpuTicks(), replicas.get(1).cpuTicks(), ServerProcess.selfCpuTicks(),
                    ServerProcess.machineBusyTicks() };
        }

        /** CPU seconds since creation: pod A, pod B, this load generator, the machine. */
        double[] seconds() {
            long[] now = ticks();
            double[] seconds = new double[now.length];
            for (int i = 0; i < now.length; i++) {
                seconds[i] = ServerProcess.ticksToMillis(now[i] - start[i]) / 1000;
            }
            return seconds;
        }
    }

    /** The highest RSS of each replica, sampled every 100 ms from creation until {@link #stop}. */
    static final class PeakRss {
        private final List<ServerProcess> replicas;
        private final long[] peak;
        private final Thread sampler;

        PeakRss(List<ServerProcess> replicas, String name) {
            this.replicas = replicas;
            this.peak = new long[replicas.size()];
            this.sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    for (int r = 0; r < replicas.size(); r++) {
                        if (replicas.get(r).isAlive()) {
                            peak[r] = Math.max(peak[r], replicas.get(r).rssKb());
                        }
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, name);
            sampler.setDaemon(true);
            sampler.start();
        }

        /** Stops sampling; each live replica's peak also counts its own high-water mark (VmHWM). */
        long[] stop() {
            sampler.interrupt();
            for (int r = 0; r < replicas.size(); r++) {
                if (replicas.get(r).isAlive()) {
                    peak[r] = Math.max(peak[r], replicas.get(r).peakRssKb());
                }
            }
            return peak.clone();
        }

        /** Replicas no longer running (out of memory). */
        int deaths() {
            return (int) replicas.stream().filter(replica -> !replica.isAlive()).count();
        }
    }
}
