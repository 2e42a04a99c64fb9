package io.mediafanout.media.rest;

import java.util.List;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

import io.mediafanout.media.config.MediaConfig;
import io.quarkus.runtime.ExecutionMode;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import io.smallrye.config.SmallRyeConfig;

/**
 * What the document {@code /q/openapi} serves takes from the running service's settings, on top of the stored one
 * ({@code openapi/openapi.yaml}, which depends on none of them): the public URL as its server
 * ({@code MEDIA_API_PUBLIC_URL}), and, where an identity provider is configured ({@code QUARKUS_OIDC_AUTH_SERVER_URL}),
 * the {@value #OIDC} scheme as the alternative to {@value #API_KEY} on every operation that takes an API key.
 * Quarkus also runs this filter while it builds the document: there it changes nothing, so the build's environment
 * never reaches the stored document.
 */
@OpenApiFilter(stages = OpenApiFilter.RunStage.RUNTIME_STARTUP)
public class OpenApiRuntime implements OASFilter {

    static final String API_KEY = "apiKey";
    static final String OIDC = "oidc";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (ExecutionMode.current() == ExecutionMode.UNSET) {
            return; // the build: the stored document
        }
        Config config = ConfigProvider.getConfig();
        config.unwrap(SmallRyeConfig.class).getConfigMapping(MediaConfig.class).api().publicUrl().ifPresent(url -> openAPI
                .servers(List.of(OASFactory.createServer().url(url.toString().replaceAll("/+$", "")))));
        Optional<String> issuer = config.getOptionalValue("quarkus.oidc.auth-server-url", String.class)
                .filter(u -> config.getOptionalValue("quarkus.oidc.tenant-enabled", Boolean.class).orElse(true));
        issuer.ifPresent(url -> addOidc(openAPI, url.replaceAll("/+$", "") + "/.well-known/openid-configuration"));
    }

    private static void addOidc(OpenAPI openAPI, String discoveryUrl) {
        openAPI.getComponents().addSecurityScheme(OIDC, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.OPENIDCONNECT).openIdConnectUrl(discoveryUrl)
                .description("An access token (a JWT) of the identity provider, with the roles in its role claim, as "
                        + "Authorization: Bearer <token>"));
        openAPI.getPaths().getPathItems().values().stream().flatMap(OpenApiContract::operations)
                .filter(operation -> operation.getSecurity() != null
                        && operation.getSecurity().stream().anyMatch(requirement -> requirement.hasScheme(API_KEY)))
                .forEach(operation -> operation.addSecurityRequirement(
                        OASFactory.createSecurityRequirement().addScheme(OIDC)));
    }
}
