package io.mediafanout.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The production jar started as a separate process, with settings passed as {@code -D} properties and an
 * environment cleared of every {@code INNGEST_}, {@code ITTYBIT_} and {@code QUARKUS_} variable. The ITs use it
 * through {@link PackagedApp} (database, fakes, readiness, restarts, teardown).
 */
public final class AppProcess {

    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    /**
     * What the ITs add to a pod's options to start faster ({@code it.jar.flags} in the pom: no bytecode verification,
     * a quarter of a start's CPU); empty ({@code -Dit.jar.flags=}): exactly as a pod.
     */
    static final List<String> TEST_FLAGS = List.of(System.getProperty("it.jar.flags", "").trim().split("\\s+"))
            .stream().filter(flag -> !flag.isEmpty()).toList();

    private AppProcess() {
    }

    /**
     * As a pod runs it: {@code java @jvm.options -XX:MaxRAM=<memoryMiB>m} (the shipped JVM options sized for a
     * container limit of that many MiB), then {@code jvmOptions}.
     */
    public static Process launchAsPod(Map<String, String> settings, Map<String, String> environment, Path output,
            int memoryMiB, List<String> jvmOptions) throws IOException {
        List<String> options = new ArrayList<>(List.of("-XX:MaxRAM=" + memoryMiB + "m"));
        options.addAll(jvmOptions);
        return launch(settings, environment, output, options);
    }

    /**
     * As the README's run command: {@code java @jvm.options} (the shipped JVM options, the heap a share of the
     * machine's memory), then {@code jvmOptions}.
     */
    public static Process launch(Map<String, String> settings, Map<String, String> environment, Path output,
            List<String> jvmOptions) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + Path.of("jvm.options").toAbsolutePath()));
        command.addAll(TEST_FLAGS);
        command.addAll(jvmOptions);
        if (!settings.containsKey("media.api.keys")) {
            command.add("-Dmedia.api.keys=" + TestApiKey.CONFIG);
        }
        settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", JAR.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("INNGEST_") || k.startsWith("ITTYBIT_")
                || k.startsWith("QUARKUS_"));
        builder.environment().put("MALLOC_ARENA_MAX", "2"); // as Dockerfile.jvm
        builder.environment().putAll(environment);
        return builder.start();
    }

    public static boolean jarExists() {
        return Files.exists(JAR);
    }
}
