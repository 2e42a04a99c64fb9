package io.mediafanout.media.rest.auth;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.mediafanout.media.config.ConfigSwitches;
import io.mediafanout.media.service.SettingsCheck;
import io.quarkus.logging.Log;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/**
 * Who may call the media API: holders of an API key ({@link ApiKeys}), and, where an identity provider is configured
 * ({@code QUARKUS_OIDC_AUTH_SERVER_URL}, see {@link ConfigSwitches}), holders of one of its access tokens. Production
 * refuses to start with neither (a {@link SettingsCheck}: named with every other bad setting); dev and test mode with
 * neither leave the API open, and say so.
 */
@Singleton
public class MediaApiAccess implements SettingsCheck {

    private final ApiKeys keys;
    private final boolean oidc;
    private final boolean open;

    public MediaApiAccess(ApiKeys keys,
            @ConfigProperty(name = ConfigSwitches.OIDC_ENABLED, defaultValue = "false") boolean oidc) {
        this.keys = keys;
        this.oidc = oidc;
        this.open = keys.isEmpty() && !oidc && LaunchMode.current() != LaunchMode.NORMAL;
    }

    @Override
    public void check(boolean production) {
        if (production && keys.isEmpty() && !oidc) {
            throw new IllegalStateException("MEDIA_API_KEYS is not set and no identity provider is configured: in "
                    + "production the media API needs at least one API key (MEDIA_API_KEYS) or OIDC access tokens "
                    + "(QUARKUS_OIDC_AUTH_SERVER_URL); see README, 'Calling the media API'");
        }
    }

    void announce(@Observes StartupEvent start) {
        if (open) {
            Log.warn("No MEDIA_API_KEYS and no QUARKUS_OIDC_AUTH_SERVER_URL: the media API is open to anyone "
                    + "(dev and test mode only)");
            return;
        }
        Log.infof("Media API: %d API key(s) configured; OIDC access tokens %s", keys.size(),
                oidc ? "accepted" : "not configured");
    }

    /** Whether the API is open: dev or test mode without any key or identity provider. */
    public boolean open() {
        return open;
    }

    /** Whether OIDC access tokens are accepted (the OIDC mechanism verifies what is not an API key). */
    public boolean oidc() {
        return oidc;
    }
}
