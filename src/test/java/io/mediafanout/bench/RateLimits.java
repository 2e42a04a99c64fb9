package io.mediafanout.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.testing.FakeIttybit;

/**
 * The rate-limit part ({@code BENCH_PARTS=ratelimit}, issue 34): a burst of {@code BENCH_RATELIMIT_RUNS} (1,000) runs on
 * two 256 MiB replicas (the capacity part's bounded setting, webhooks), once with an Ittybit that takes every create
 * and once with one that answers each task's first {@code BENCH_RATELIMIT_FAULTS} (2) creates {@code 429} with
 * {@code Retry-After: BENCH_RATELIMIT_RETRY_AFTER} (3 s). Per burst: wall time, call p50/p99, records ready, runs
 * with exactly one task per branch, the {@code 429}s answered. {@code BENCH_RATELIMIT_PAIRS} (1) pairs of bursts, each
 * pair the burst without {@code 429}s then the one with: on a machine whose speed drifts from minute to minute, each
 * burst with {@code 429}s is held against the one run just before it. A burst without {@code 429}s before them, not
 * reported, warms the driver (the load generator's JIT).
 */
final class RateLimits {

    /** One burst, and what the fake Ittybit saw. */
    record Result(Capacity.Burst burst, int onePerBranch, long limited) {
    }

    private final Capacity capacity;

    RateLimits(Path root, Path jar, Path logs) {
        this.capacity = new Capacity(root, jar, logs);
    }

    List<Result> run() throws Exception {
        int runs = Benchmark.intEnv("BENCH_RATELIMIT_RUNS", 1000);
        int faults = faults();
        String retryAfter = retryAfter();
        String memory = Benchmark.env("BENCH_RATELIMIT_MEMORY", "256m");
        // the driver's own warm-up: in its first burst the load generator's JIT (C2) compiles the emulator and the
        // HTTP client, some 15 CPU s on the pods' cores, which would slow the first burst measured and so loosen the goal
        burst("driver warm-up, no 429s, " + runs + " runs (not reported)", memory, runs, 0, retryAfter);
        List<Result> results = new ArrayList<>();
        for (int pair = 0; pair < pairs(); pair++) {
            results.add(burst("no 429s, " + runs + " runs", memory, runs, 0, retryAfter));
            results.add(burst("each task's first " + faults + " creates 429, Retry-After: " + retryAfter + ", " + runs
                    + " runs", memory, runs, faults, retryAfter));
        }
        return results;
    }

    static int pairs() {
        return Math.max(1, Benchmark.intEnv("BENCH_RATELIMIT_PAIRS", 1));
    }

    static int faults() {
        return Benchmark.intEnv("BENCH_RATELIMIT_FAULTS", 2);
    }

    static String retryAfter() {
        return Benchmark.env("BENCH_RATELIMIT_RETRY_AFTER", "3");
    }

    private Result burst(String label, String memory, int runs, int faults, String retryAfter) throws Exception {
        List<String> mediaIds = Collections.synchronizedList(new ArrayList<>());
        List<FakeIttybit.Script> scripts = Collections.synchronizedList(new ArrayList<>());
        Capacity.Burst burst = capacity.burst("rate limits: " + label, true, memory, true, runs, mediaId -> {
            mediaIds.add(mediaId);
            for (Branch branch : Branch.values()) {
                FakeIttybit.Script script = FakeIttybit.script(mediaId, branch.kind());
                for (int i = 0; i < faults; i++) {
                    script.createFaults(429);
                }
                script.retryAfter = retryAfter;
                scripts.add(script);
            }
        });
        int onePerBranch = 0;
        for (String mediaId : mediaIds) {
            Map<String, Long> perKind = FakeIttybit.tasks(mediaId).stream()
                    .collect(Collectors.groupingBy(FakeIttybit.Task::kind, Collectors.counting()));
            if (perKind.size() == Branch.values().length && perKind.values().stream().allMatch(n -> n == 1)) {
                onePerBranch++;
            }
        }
        long limited = (long) scripts.size() * faults - scripts.stream().mapToLong(s -> s.createFaults.size()).sum();
        System.out.printf(Locale.ROOT, "bench: rate limits %s: %d runs with one task per branch, %d 429s answered%n",
                label, onePerBranch, limited);
        return new Result(burst, onePerBranch, limited);
    }

    /** The part's section of docs/capacity.md. */
    static String markdown(List<Result> results, String machine, String command) {
        StringBuilder md = new StringBuilder("\n## Rate limits: Ittybit's 429s held by Inngest (issue 34)\n\n");
        md.append("Generated on ").append(machine).append(". Command: `").append(command).append("`.\n\n");
        md.append("The capacity part's bounded setting (two replicas of the packaged jar as 256 MiB pods behind a ")
                .append("round-robin Service, one PostgreSQL, webhooks, tasks of 1-3 s, the emulator honouring the ")
                .append("declared concurrency, every run started at once), once with an Ittybit that takes every ")
                .append("create, once with one that answers each task's first creates `429` with `Retry-After`. A ")
                .append("rate-limited create ends its step with \"retry after\"; the branch sleeps in Inngest and ")
                .append("creates again with the same idempotency key. *Call* is the time one call from Inngest spends ")
                .append("in the service. Before (issue 34: each create slept its `Retry-After` inside the call): ")
                .append("477 s instead of 20 s, call p99 27 s.\n\n");
        md.append("| burst | wall | completed | ready | one task per branch | 429s answered | step calls | calls/s | call p50 | call p99 | RSS peak A / B | CPU s: pods A / B, load generator, machine | died |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            Capacity.Burst b = r.burst();
            String pair = results.size() > 2 ? "pair " + (i / 2 + 1) + ": " : "";
            md.append(String.format(Locale.ROOT, "| %s%s | %.1f s | %d/%d | %d | %d | %d | %d | %.0f | %.0f ms | %.0f ms | %d / %d MiB | %.1f / %.1f, %.1f, %.1f | %d |%n",
                    pair, b.label().replace("rate limits: ", ""), b.wallSeconds(), b.completed(), b.runs(), b.ready(),
                    r.onePerBranch(), r.limited(), b.calls(), b.callsPerSecond(), b.p50Ms(), b.p99Ms(), b.peakRssKb()[0] / 1024,
                    b.peakRssKb()[1] / 1024, b.cpuSeconds()[0], b.cpuSeconds()[1], b.cpuSeconds()[2],
                    b.cpuSeconds()[3], b.deaths()));
        }
        for (int i = 0; i + 1 < results.size(); i += 2) {
            Capacity.Burst free = results.get(i).burst();
            Capacity.Burst limited = results.get(i + 1).burst();
            double asked = faults() * Double.parseDouble(retryAfter());
            double goal = free.wallSeconds() + 1.5 * asked;
            boolean allReady = limited.ready() == limited.runs() && results.get(i + 1).onePerBranch() == limited.runs();
            md.append(String.format(Locale.ROOT, "%n%sGoals: wall time at most the burst's without 429s plus 1.5x the "
                    + "waits Ittybit asked for (%.1f s + 1.5 x %.0f s = %.1f s): %.1f s (%s). Call p99 under 2 s: %.0f ms "
                    + "(%s). Every record ready with one task per branch: %d ready, %d with one task per branch of %d (%s).%n",
                    results.size() > 2 ? "Pair " + (i / 2 + 1) + ". " : "", free.wallSeconds(), asked, goal,
                    limited.wallSeconds(), limited.wallSeconds() <= goal ? "met" : "not met",
                    limited.p99Ms(), limited.p99Ms() < 2000 ? "met" : "not met", limited.ready(),
                    results.get(i + 1).onePerBranch(), limited.runs(), allReady ? "met" : "not met"));
        }
        if (results.size() >= 2) {
            Capacity.Burst free = results.get(0).burst();
            Capacity.Burst limited = results.get(1).burst();
            md.append(results.size() > 2 ? "\nThe first pair:\n" : "");
            md.append(String.format(Locale.ROOT, "%nA wait costs at most two step calls (the step that met the `429` "
                    + "returns its \"retry after\", then the next call plans the sleep; the call after the sleep is the "
                    + "step tried again; a run's branches limited together share the call that plans their sleeps): "
                    + "%.1f calls a run without `429`s, %.1f with them, %.2f more per `429` answered. Where the burst "
                    + "is bound by step calls (here %.0f calls/s without `429`s, on two pods sharing two cores with the "
                    + "load), the extra calls, not the waits, set the wall time.%n", (double) free.calls() / free.runs(),
                    (double) limited.calls() / limited.runs(),
                    (double) (limited.calls() - free.calls()) / Math.max(1, results.get(1).limited()),
                    free.callsPerSecond()));
            int cores = Runtime.getRuntime().availableProcessors();
            md.append(String.format(Locale.ROOT, "%nWhere the CPU went (CPU s over each burst): without `429`s the "
                    + "machine was %.0f %% busy, the pods used %.1f s (%.1f ms a call), the load generator (the "
                    + "emulator standing in for Inngest, the fake Ittybit, the Service's proxy) %.1f s; with them "
                    + "%.0f %%, the pods %.1f s (%.1f ms a call), the load generator %.1f s. The extra calls cost "
                    + "%.1f CPU s in the pods and %.1f in the load generator: on %d cores shared by both, about "
                    + "%.0f s of wall time, whatever Ittybit asked to wait.%n",
                    100 * free.cpuSeconds()[3] / (free.wallSeconds() * cores), free.cpuSeconds()[0] + free.cpuSeconds()[1],
                    1000 * (free.cpuSeconds()[0] + free.cpuSeconds()[1]) / free.calls(), free.cpuSeconds()[2],
                    100 * limited.cpuSeconds()[3] / (limited.wallSeconds() * cores),
                    limited.cpuSeconds()[0] + limited.cpuSeconds()[1],
                    1000 * (limited.cpuSeconds()[0] + limited.cpuSeconds()[1]) / limited.calls(), limited.cpuSeconds()[2],
                    limited.cpuSeconds()[0] + limited.cpuSeconds()[1] - free.cpuSeconds()[0] - free.cpuSeconds()[1],
                    limited.cpuSeconds()[2] - free.cpuSeconds()[2], cores,
                    (limited.cpuSeconds()[3] - free.cpuSeconds()[3]) / cores));
        }
        for (Result r : results) {
            if (!r.burst().problems().isEmpty()) {
                md.append("\n").append(r.burst().label()).append(": ").append(r.burst().problems().size())
                        .append(" problem(s), e.g. `").append(r.burst().problems().get(0).replace('`', '\'')).append("`\n");
            }
        }
        return md.toString();
    }
}
