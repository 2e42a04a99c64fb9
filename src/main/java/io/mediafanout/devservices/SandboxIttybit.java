package io.mediafanout.devservices;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.jboss.logging.Logger;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Dev mode without an Ittybit account: when the {@code dev} profile is active and neither an API key
 * ({@code ITTYBIT_API_KEY} / {@code media.ittybit.api-key}) nor an API URL ({@code ITTYBIT_API_URL}) is configured,
 * the Ittybit client calls the in-app sandbox ({@link SandboxIttybitResource}, {@code /sandbox/ittybit}) with the key
 * {@code sandbox}, and reads tasks at least once a second ({@code media.ittybit.poll.max-delay=PT1S}), so branches
 * are seen finishing one by one as the sandbox finishes them. Setting {@code ITTYBIT_API_KEY} switches back to the
 * real API. Other profiles: nothing changes.
 */
public class SandboxIttybit implements ConfigSourceFactory {

    static final String API_KEY = "sandbox";
    static final String PATH = "/sandbox/ittybit";
    private static final String LOGGED = "io.mediafanout.devservices.sandbox-ittybit.logged";
    private static final Logger LOG = Logger.getLogger(SandboxIttybit.class);

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (!context.getProfiles().contains("dev") || configured(context)) {
            return List.of();
        }
        String url = "http://localhost:" + port(context) + PATH;
        if (System.getProperty(LOGGED) == null) {
            System.setProperty(LOGGED, "true");
            LOG.infof("Dev mode uses the sandbox Ittybit at %s (no ITTYBIT_API_KEY set); tasks whose input URL"
                    + " contains \"fail\" fail", url);
        }
        return List.of(new PropertiesConfigSource(Map.of(
                "quarkus.rest-client.ittybit.url", url,
                "media.ittybit.api-key", API_KEY,
                "media.ittybit.poll.max-delay", "PT1S"), "sandbox Ittybit", EmbeddedDevDatabase.ORDINAL));
    }

    /**
     * A key or URL set by the developer. application.properties holds {@code media.ittybit.api-key=${ITTYBIT_API_KEY:}},
     * which counts only once it resolves to something.
     */
    private static boolean configured(ConfigSourceContext context) {
        return EmbeddedDevDatabase.present(System.getenv("ITTYBIT_API_KEY"))
                || EmbeddedDevDatabase.present(System.getenv("ITTYBIT_API_URL"))
                || EmbeddedDevDatabase.isSet(context, "ITTYBIT_API_KEY")
                || EmbeddedDevDatabase.isSet(context, "ITTYBIT_API_URL")
                || resolvedKey(context);
    }

    private static boolean resolvedKey(ConfigSourceContext context) {
        ConfigValue value = context.getValue("media.ittybit.api-key");
        String key = value == null ? null : value.getValue();
        return EmbeddedDevDatabase.present(key) && !key.contains("${");
    }

    private static int port(ConfigSourceContext context) {
        ConfigValue value = context.getValue("quarkus.http.port");
        if (value != null && EmbeddedDevDatabase.present(value.getValue())) {
            try {
                int port = Integer.parseInt(value.getValue().trim());
                if (port > 0) {
                    return port;
                }
            } catch (NumberFormatException expression) {
                // not a plain number: keep the default
            }
        }
        return 8080;
    }
}
