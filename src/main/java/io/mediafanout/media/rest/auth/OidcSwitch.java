package io.mediafanout.media.rest.auth;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Turns OIDC on only where an identity provider is configured: {@code quarkus.oidc.tenant-enabled} defaults to
 * whether {@code quarkus.oidc.auth-server-url} ({@code QUARKUS_OIDC_AUTH_SERVER_URL}) is set. Without it, Quarkus
 * would refuse to start in production and test mode ("'quarkus.oidc.auth-server-url' property must be configured");
 * with the default tenant disabled, the OIDC mechanism makes no call to anyone and authenticates nothing. An explicit
 * {@code QUARKUS_OIDC_TENANT_ENABLED} still wins (this source's ordinal is below application.properties').
 * Registered in {@code META-INF/services/io.smallrye.config.ConfigSourceFactory}.
 */
public class OidcSwitch implements ConfigSourceFactory {

    public static final String TENANT_ENABLED = "quarkus.oidc.tenant-enabled";
    static final String AUTH_SERVER_URL = "quarkus.oidc.auth-server-url";
    private static final int ORDINAL = 150;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue url = context.getValue(AUTH_SERVER_URL);
        boolean configured = present(url == null ? null : url.getValue())
                || present(System.getenv("QUARKUS_OIDC_AUTH_SERVER_URL"));
        return List.of(new PropertiesConfigSource(Map.of(TENANT_ENABLED, Boolean.toString(configured)),
                "media-fanout OIDC switch", ORDINAL));
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank() && !value.contains("${");
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }
}
