package io.mediafanout.inngest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;

import io.quarkus.logging.Log;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;

/**
 * The SDK's resolved settings: mode (dev or cloud), base URLs and keys, following the precedence rules of the
 * official SDKs (explicit URL variables, then {@code INNGEST_BASE_URL}, then a dev-server URL in
 * {@code INNGEST_DEV}, then the mode's default).
 */
@Singleton
@Startup
public class InngestEnvironment {

    /** Name and version of this SDK, as sent in {@code X-Inngest-SDK} and in the sync body. */
    public static final String SDK_NAME = "inngest-quarkus";
    public static final String SDK_VERSION = "0.1.0";
    public static final String SDK = SDK_NAME + ":v" + SDK_VERSION;
    public static final String SDK_LANGUAGE = "java";
    public static final String FRAMEWORK = "quarkus";

    static final String CLOUD_API = "https://api.inngest.com/";
    static final String CLOUD_EVENT_API = "https://inn.gs/";
    static final String DEV_SERVER = "http://localhost:8288/";

    private final InngestConfig config;
    private final boolean dev;
    private final String apiBaseUrl;
    private final String eventApiBaseUrl;
    private final List<String> settingProblems;

    public InngestEnvironment(InngestConfig config) {
        this.config = config;
        String devValue = config.dev().map(String::trim).orElse("");
        Optional<String> devUrl = devValue.startsWith("http://") || devValue.startsWith("https://")
                ? Optional.of(devValue) : Optional.empty();
        this.dev = devUrl.isPresent() || isTrue(devValue);
        String modeDefault = dev ? DEV_SERVER : null;
        this.apiBaseUrl = (config.apiBaseUrl().or(config::baseUrl).or(() -> devUrl)
                .orElse(modeDefault != null ? modeDefault : CLOUD_API));
        this.eventApiBaseUrl = (config.eventApiBaseUrl().or(config::baseUrl).or(() -> devUrl)
                .orElse(modeDefault != null ? modeDefault : CLOUD_EVENT_API));
        boolean production = LaunchMode.current() == LaunchMode.NORMAL;
        List<String> problems = new ArrayList<>();
        if (production && dev && !config.allowDevModeInProd()) {
            problems.add("INNGEST_DEV is set in the production profile: dev mode sends to a local dev server and "
                    + "verifies no signature without INNGEST_SIGNING_KEY. Unset INNGEST_DEV, or set "
                    + "INNGEST_ALLOW_DEV_MODE_IN_PROD=true if this is on purpose");
        }
        if (production && !dev && config.signingKey().isEmpty()) {
            problems.add("Inngest is in cloud mode but INNGEST_SIGNING_KEY is not set: set INNGEST_SIGNING_KEY (and "
                    + "INNGEST_SIGNING_KEY_FALLBACK while rotating), or INNGEST_DEV=1 to run against an Inngest dev "
                    + "server");
        }
        if (production && !dev && config.serveOrigin().isEmpty()) {
            problems.add("INNGEST_SERVE_ORIGIN is not set: in cloud mode the app registers only the origin it is "
                    + "configured with (e.g. https://service.example.com), never a request's Host");
        }
        this.settingProblems = List.copyOf(problems);
        if (dev) {
            Log.infof("Inngest SDK in dev mode (API %s): %s", apiBaseUrl, config.signingKey().isPresent()
                    ? "requests must be signed with INNGEST_SIGNING_KEY" : "signatures are not verified");
        } else if (config.signingKey().isEmpty() && !production) {
            Log.error("Inngest SDK in cloud mode but INNGEST_SIGNING_KEY is not set: every request to the serve "
                    + "endpoint will be refused. Set INNGEST_SIGNING_KEY, or INNGEST_DEV=1 for local development.");
        }
    }

    /**
     * What in the SDK's settings the production profile cannot run with (dev mode not allowed, cloud mode without a
     * signing key or a serve origin), each with the setting to change; empty otherwise. The application reports these
     * beside its own problems, all at once, in a start-up observer of priority {@code PLATFORM_BEFORE}; an application
     * that does not is refused by {@link #refuseToStartWithBadSettings} just after.
     */
    public List<String> settingProblems() {
        return settingProblems;
    }

    void refuseToStartWithBadSettings(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE + 1) StartupEvent start) {
        if (!settingProblems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", settingProblems));
        }
    }

    private static boolean isTrue(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        return v.equals("1") || v.equals("true");
    }

    public InngestConfig config() {
        return config;
    }

    public boolean isDev() {
        return dev;
    }

    public String mode() {
        return dev ? "dev" : "cloud";
    }

    /** Cloud mode without a signing key: the SDK must refuse to serve. */
    public boolean isMisconfigured() {
        return !dev && config.signingKey().isEmpty();
    }

    public String appId() {
        return config.appId();
    }

    public String apiBaseUrl() {
        return apiBaseUrl;
    }

    public String eventApiBaseUrl() {
        return eventApiBaseUrl;
    }

    public Optional<String> signingKey() {
        return config.signingKey().filter(k -> !k.isBlank());
    }

    public Optional<String> signingKeyFallback() {
        return config.signingKeyFallback().filter(k -> !k.isBlank());
    }

    public Optional<String> eventKey() {
        return config.eventKey().filter(k -> !k.isBlank());
    }

    public Optional<String> env() {
        return config.env().filter(e -> !e.isBlank());
    }
}
