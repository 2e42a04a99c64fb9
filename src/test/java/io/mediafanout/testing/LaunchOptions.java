package io.mediafanout.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the packaged jar is started with: settings (passed as {@code -D} properties), JVM options, and whether it runs
 * as a pod does. Given to a {@link PackagedApp} (for every process of a test class) or to one
 * {@link PackagedApp.Launch} (for one process, on top of the class's).
 */
public abstract class LaunchOptions<T extends LaunchOptions<T>> {

    final Map<String, String> settings = new LinkedHashMap<>();
    /** Environment variables of the process, on top of the test JVM's (cleared of INNGEST_, ITTYBIT_, QUARKUS_). */
    final Map<String, String> environment = new LinkedHashMap<>();
    final List<String> jvmOptions = new ArrayList<>();
    /** As a pod runs it, with that many MiB; 0: as the README's run command ({@code java @jvm.options -jar}). */
    int podMemoryMiB;

    @SuppressWarnings("unchecked")
    private T self() {
        return (T) this;
    }

    public T set(String key, String value) {
        settings.put(key, value);
        return self();
    }

    /** An environment variable, as a Deployment's {@code env} sets it (settings are {@code -D} properties). */
    public T env(String name, String value) {
        environment.put(name, value);
        return self();
    }

    public T setAll(Map<String, String> more) {
        settings.putAll(more);
        return self();
    }

    /** Inngest dev mode, allowed in the production profile (which refuses it otherwise). */
    public T devMode() {
        return set("inngest.dev", "1").set("inngest.allow-dev-mode-in-prod", "true");
    }

    /** The fake Ittybit (URL, key) and the fake Inngest API ({@code inngest.base-url}): real servers on 127.0.0.1. */
    public T withFakes() {
        return setAll(new FakeIttybit().start()).setAll(new FakeInngestApi().start());
    }

    public T jvmOptions(List<String> options) {
        jvmOptions.addAll(options);
        return self();
    }

    /** Names resolve from {@code hosts}, with no answer cached ({@link HostsFile#jvmOptions()}). */
    public T resolvingFrom(HostsFile hosts) {
        return jvmOptions(hosts.jvmOptions());
    }

    /**
     * As a pod runs it: {@code java @jvm.options -XX:MaxRAM=<memoryMiB>m} (the shipped JVM options sized for a
     * container limit of that many MiB).
     */
    public T asPod(int memoryMiB) {
        podMemoryMiB = memoryMiB;
        return self();
    }

    /** A setting as given so far (null when not given). */
    public String setting(String key) {
        return settings.get(key);
    }

    /** The settings given so far. */
    public Map<String, String> settings() {
        return Collections.unmodifiableMap(settings);
    }

    void copyFrom(LaunchOptions<?> other) {
        settings.putAll(other.settings);
        environment.putAll(other.environment);
        jvmOptions.addAll(other.jvmOptions);
        if (other.podMemoryMiB > 0) {
            podMemoryMiB = other.podMemoryMiB;
        }
    }
}
