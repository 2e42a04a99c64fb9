package io.mediafanout.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The machine and the versions the figures were measured with. */
record Environment(int cpus, String cpuModel, String memory, String os, String kernel, String jdk, String node,
        String inngest, String express, String quarkus, long clockTicks) {

    static Environment read(Path root, Path reference) {
        return new Environment(Runtime.getRuntime().availableProcessors(), readCpuModel(), readMemory(), readOs(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " ("
                        + System.getProperty("os.arch") + ")",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                        + System.getProperty("java.vendor") + ")",
                command("node", "--version"), packageVersion(reference, "inngest"), packageVersion(reference, "express"),
                System.getProperty("bench.quarkus.version", "(unknown)"), ServerProcess.CLOCK_TICKS);
    }

    String summary() {
        return cpus + " CPUs (" + cpuModel + "), " + memory + ", " + os + ", JDK " + jdk + ", node " + node
                + ", inngest " + inngest + ", express " + express + ", Quarkus " + quarkus;
    }

    private static String readCpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "(unknown)";
    }

    private static String readMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format("%.1f GiB RAM", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "(unknown RAM)";
    }

    private static String readOs() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "");
                }
            }
        } catch (IOException e) {
            // unknown
        }
        return System.getProperty("os.name");
    }

    private static String packageVersion(Path reference, String name) {
        try {
            return new ObjectMapper().readTree(reference.resolve("node_modules").resolve(name).resolve("package.json")
                    .toFile()).path("version").asText();
        } catch (IOException e) {
            return "(not installed)";
        }
    }

    static String command(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (Exception e) {
            return "(not found)";
        }
    }
}
