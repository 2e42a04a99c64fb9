package io.mediafanout.media.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Features that turn on where the service they need is configured, as defaults computed at start (one config source,
 * registered in {@code META-INF/services/io.smallrye.config.ConfigSourceFactory}). An explicit value still wins: this
 * source's ordinal is below application.properties' and the environment's.
 * <ul>
 * <li><b>Tracing</b>: {@code quarkus.otel.sdk.disabled} defaults to whether neither
 * {@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT} nor {@code QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} is set. Without
 * it the OpenTelemetry SDK would export to {@code localhost:4317} and log a failure for every batch; disabled, nothing
 * is recorded nor exported (spans are non-recording).</li>
 * <li><b>OIDC</b>: {@code quarkus.oidc.tenant-enabled} defaults to whether {@code QUARKUS_OIDC_AUTH_SERVER_URL} is
 * set. Without it Quarkus would refuse to start in production and test mode ("'quarkus.oidc.auth-server-url' property
 * must be configured"); with the default tenant disabled the OIDC mechanism calls no one and authenticates nothing.</li>
 * </ul>
 */
public class ConfigSwitches implements ConfigSourceFactory {

    public static final String TRACING_DISABLED = "quarkus.otel.sdk.disabled";
    public static final String OIDC_ENABLED = "quarkus.oidc.tenant-enabled";

    /** One switch: {@code setting} is {@code whenConfigured} if any of {@code needs} is set, its opposite otherwise. */
    record Switch(String setting, List<String> needs, boolean whenConfigured) {
    }

    static final List<Switch> SWITCHES = List.of(
            new Switch(TRACING_DISABLED, List.of("quarkus.otel.exporter.otlp.endpoint",
                    "quarkus.otel.exporter.otlp.traces.endpoint"), false),
            new Switch(OIDC_ENABLED, List.of("quarkus.oidc.auth-server-url"), true));
    private static final int ORDINAL = 150;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        Map<String, String> defaults = new LinkedHashMap<>();
        for (Switch feature : SWITCHES) {
            boolean configured = feature.needs().stream().anyMatch(name -> configured(context, name));
            defaults.put(feature.setting(), Boolean.toString(configured == feature.whenConfigured()));
        }
        return List.of(new PropertiesConfigSource(defaults, "media-fanout config switches", ORDINAL));
    }

    /**
     * Set by an operator: in a source of non-negative ordinal (Quarkus's own defaults, such as the OTLP endpoint
     * {@code localhost:4317}, sit at a negative one) or in the environment, and not an unresolved expression.
     */
    private static boolean configured(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value != null && value.getConfigSourceOrdinal() >= 0 && present(value.getValue())
                || present(System.getenv(name.toUpperCase().replace('.', '_')));
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank() && !value.contains("${");
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }
}
