package io.mediafanout.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.mediafanout.inngest.auth.Signatures;

/**
 * A server under test, spawned directly (no wrapper), so that {@code /proc/<pid>} is the server itself: CPU time
 * ({@code utime + stime} of {@code /proc/<pid>/stat}), resident memory ({@code VmRSS}, {@code VmHWM} of
 * {@code /proc/<pid>/status}) and the time from spawn to the first {@code 200} of {@code GET /api/inngest}.
 * Every process is registered for the JVM's shutdown hook, so it is killed even when the benchmark fails.
 */
final class ServerProcess implements AutoCloseable {

    private static final List<ServerProcess> ALIVE = new ArrayList<>();
    static final long CLOCK_TICKS = clockTicks();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ServerProcess::killAll, "bench-cleanup"));
    }

    final String name;
    final int port;
    final Path log;
    private final Process process;
    private final long spawnNanos;

    private ServerProcess(String name, int port, Path log, Process process, long spawnNanos) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
        this.spawnNanos = spawnNanos;
    }

    /**
     * Spawns {@code command} in {@code directory} with the given environment added to the current one less every
     * {@code INNGEST_*}, {@code ITTYBIT_*}, {@code QUARKUS_*} and {@code MEDIA_*} variable.
     */
    static ServerProcess start(String name, List<String> command, Map<String, String> environment, Path directory,
            Path log, int port) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("INNGEST_") || k.startsWith("ITTYBIT_")
                || k.startsWith("QUARKUS_") || k.startsWith("MEDIA_"));
        builder.environment().putAll(environment);
        long spawn = System.nanoTime();
        Process process = builder.start();
        ServerProcess server = new ServerProcess(name, port, log, process, spawn);
        synchronized (ALIVE) {
            ALIVE.add(server);
        }
        return server;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Polls {@code GET /api/inngest} (signed over the empty body in cloud mode) every 5 ms until it answers 200.
     *
     * @return the time from spawn to that answer
     */
    Duration awaitFirst200(Optional<String> signingKey, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before answering; log: "
                        + log + "\n" + tail(log, 30));
            }
            Map<String, String> headers = new LinkedHashMap<>();
            signingKey.ifPresent(k -> headers.put("X-Inngest-Signature",
                    Signatures.header(k, new byte[0], System.currentTimeMillis() / 1000)));
            try (RawHttp http = new RawHttp("127.0.0.1", port)) {
                RawHttp.Response response = http.send(RawHttp.head("GET", "/api/inngest", "127.0.0.1:" + port,
                        headers, 0), null);
                if (response.status() == 200) {
                    return Duration.ofNanos(System.nanoTime() - spawnNanos);
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException(name + " did not answer 200 within " + timeout + "; log: " + log + "\n"
                + tail(log, 30));
    }

    /** {@code utime + stime} of the process, in clock ticks (all its threads). */
    long cpuTicks() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields[0] is field 3 (state): utime is field 14, stime field 15
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid() + "/stat", e);
        }
    }

    /** CPU time of this JVM (the load generator), in clock ticks. */
    static long selfCpuTicks() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Busy CPU time of the whole machine (user, nice, system, irq, softirq, steal of {@code /proc/stat}), in ticks. */
    static long machineBusyTicks() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal
            return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** {@code VmRSS} in KiB. */
    long rssKb() {
        return status("VmRSS:");
    }

    /** {@code VmHWM} (peak resident set) in KiB. */
    long peakRssKb() {
        return status("VmHWM:");
    }

    private long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
            return -1;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid() + "/status", e);
        }
    }

    static double ticksToMillis(long ticks) {
        return ticks * 1000.0 / CLOCK_TICKS;
    }

    private static long clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes()).trim();
            getconf.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (Exception e) {
            return 100;
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** SIGTERM, then waits up to {@code timeout} for the exit (a JVM writing its AOT cache as it exits takes a while). */
    void stopAndWait(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " did not exit within " + timeout + "; log: " + log);
        }
    }

    /** SIGTERM, then SIGKILL after 15 s. */
    @Override
    public void close() {
        stop(process);
        synchronized (ALIVE) {
            ALIVE.remove(this);
        }
    }

    private static void stop(Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void killAll() {
        List<ServerProcess> left;
        synchronized (ALIVE) {
            left = new ArrayList<>(ALIVE);
        }
        for (ServerProcess server : left) {
            stop(server.process);
        }
    }
}
