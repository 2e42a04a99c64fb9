package io.mediafanout.media.config;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Tracing only where a collector is configured: {@code quarkus.otel.sdk.disabled} defaults to whether neither
 * {@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT} nor {@code QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} is set. Without
 * it the OpenTelemetry SDK would export to {@code localhost:4317} and log a failure for every batch; disabled, its
 * tracer is a no-op and nothing is exported. An explicit {@code QUARKUS_OTEL_SDK_DISABLED} still wins (this source's
 * ordinal is below application.properties'). Registered in {@code META-INF/services/io.smallrye.config.ConfigSourceFactory}.
 */
public class TracingSwitch implements ConfigSourceFactory {

    public static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    static final List<String> ENDPOINTS = List.of("quarkus.otel.exporter.otlp.endpoint",
            "quarkus.otel.exporter.otlp.traces.endpoint");
    private static final int ORDINAL = 150;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        boolean configured = false;
        for (String name : ENDPOINTS) {
            ConfigValue value = context.getValue(name);
            // Quarkus has a default endpoint (localhost:4317), in a source of negative ordinal: not configured
            configured |= value != null && value.getConfigSourceOrdinal() >= 0 && present(value.getValue())
                    || present(System.getenv(name.toUpperCase().replace('.', '_')));
        }
        return List.of(new PropertiesConfigSource(Map.of(SDK_DISABLED, Boolean.toString(!configured)),
                "media-fanout tracing switch", ORDINAL));
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank() && !value.contains("${");
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }
}
