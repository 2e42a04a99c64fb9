package io.mediafanout.inngest;

import java.util.Optional;

import io.mediafanout.inngest.serve.Admission;
import io.mediafanout.inngest.serve.ServeLimits;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Inngest SDK settings. Every key can be set with the environment variable the official SDKs read
 * ({@code INNGEST_SIGNING_KEY} maps to {@code inngest.signing-key}, and so on).
 */
@ConfigMapping(prefix = "inngest")
public interface InngestConfig {

    /**
     * {@code INNGEST_APP_ID}: the app id, the prefix of every function's composite id ({@code <app-id>-<function-id>}).
     * Required, without a default: the application names itself (e.g. in its {@code application.properties}).
     */
    String appId();

    /** Optional app version sent at sync time. */
    Optional<String> appVersion();

    /**
     * {@code INNGEST_DEV}: {@code 1}/{@code true} for dev mode, {@code 0}/{@code false} for cloud mode, or the URL
     * of an Inngest dev server (dev mode, and that URL is the API and event base). Unset means cloud mode.
     */
    Optional<String> dev();

    /**
     * {@code INNGEST_ALLOW_DEV_MODE_IN_PROD}: the production profile refuses to start in dev mode unless this is
     * {@code true} (dev mode talks to a local dev server and, without a signing key, verifies nothing).
     */
    @WithDefault("false")
    boolean allowDevModeInProd();

    /** {@code INNGEST_SIGNING_KEY}: required in cloud mode ({@code signkey-<env>-<hex>}). */
    Optional<String> signingKey();

    /** {@code INNGEST_SIGNING_KEY_FALLBACK}: the previous key during a rotation. */
    Optional<String> signingKeyFallback();

    /** {@code INNGEST_EVENT_KEY}: key used to send events. */
    Optional<String> eventKey();

    /** {@code INNGEST_BASE_URL}: base of both the API and the event API. */
    Optional<String> baseUrl();

    /** {@code INNGEST_API_BASE_URL}: base of the Inngest API (sync, run data). */
    Optional<String> apiBaseUrl();

    /** {@code INNGEST_EVENT_API_BASE_URL}: base of the event API. */
    Optional<String> eventApiBaseUrl();

    /** {@code INNGEST_SERVE_ORIGIN}: scheme and host advertised at sync, e.g. {@code https://service.example.com}. */
    Optional<String> serveOrigin();

    /** {@code INNGEST_SERVE_PATH}: path advertised at sync (when a proxy maps another path to ours). */
    Optional<String> servePath();

    /** {@code INNGEST_ENV}: branch environment name, sent as {@code X-Inngest-Env}. */
    Optional<String> env();

    /** {@code INNGEST_ALLOW_IN_BAND_SYNC}: answer in-band sync requests. */
    @WithDefault("true")
    boolean allowInBandSync();

    /** Outbound HTTP calls (sync, events, run data). */
    Http http();

    /** The serve endpoint ({@code /api/inngest}) itself. */
    Serve serve();

    /**
     * Admission of calls to the serve endpoint in this process ({@link Admission}); every default is derived from the
     * heap the JVM got ({@link ServeLimits}, README "Sizing").
     */
    AdmissionLimits admission();

    /** The concurrency limit declared to Inngest at sync, shared by every function of the app. */
    DeclaredConcurrency concurrency();

    interface AdmissionLimits {
        /** {@code INNGEST_ADMISSION_MAX_CALLS}: calls executing at once; default from the heap. */
        Optional<Integer> maxCalls();

        /**
         * {@code INNGEST_ADMISSION_MAX_BODY_BYTES}: request body bytes held by admitted calls at once (a call with a
         * body larger than this alone still runs when nothing else is held); default an eighth of the heap.
         */
        Optional<Long> maxBodyBytes();

        /**
         * {@code INNGEST_ADMISSION_QUEUE}: calls waiting for admission, their bodies unread; default the declared
         * concurrency, so that Inngest's own calls never find the queue full even all on one pod.
         */
        Optional<Integer> queue();

        /**
         * {@code INNGEST_ADMISSION_MAX_WAIT}: how long a call waits for admission before it is answered 503 (which
         * Inngest retries, counting an attempt); keep it below the Ingress's read timeout.
         */
        @WithDefault("PT20S")
        java.time.Duration maxWait();

        /**
         * {@code INNGEST_ADMISSION_BODY_TIMEOUT}: how long an admitted call may take to send its whole body; a slower
         * one is answered 408 and its connection closed, so a trickling client cannot hold a call's share.
         */
        @WithDefault("PT10S")
        java.time.Duration bodyTimeout();
    }

    interface DeclaredConcurrency {
        /**
         * {@code INNGEST_CONCURRENCY_LIMIT}: steps of this app's functions executing at once, everywhere (Inngest
         * queues the rest upstream, where a waiting call costs nothing); {@code 0} declares none. Default:
         * {@code max-calls} x {@code replicas}.
         */
        Optional<Integer> limit();

        /** {@code INNGEST_CONCURRENCY_REPLICAS}: the most replicas that serve the app (the HPA's maxReplicas). */
        @WithDefault("10")
        int replicas();
    }

    interface Serve {
        /**
         * {@code INNGEST_SERVE_MAX_BODY_SIZE} ({@code inngest.serve.max-body-size}): the largest request body the serve
         * endpoint takes, as a size ({@code 8M}, {@code 512K}, or bytes). A call announcing a larger
         * {@code Content-Length} is refused at once, its body unread, and a body sent without a length (chunked) as
         * soon as it passes the limit: {@code 413} with
         * {@code {"error":"payload_too_large","message":"the request body is larger than <limit> bytes"}}, and the
         * connection is closed. Inngest sends a run whose data would be larger with {@code use_api}, and the SDK
         * fetches that data from the API. This is the endpoint's only body limit: it answers before Quarkus checks
         * {@code quarkus.http.limits.max-body-size}, which does not apply to it.
         */
        @WithDefault("8M")
        MemorySize maxBodySize();
    }

    interface Http {
        /** Connect and request timeout of outbound calls. */
        @WithDefault("PT10S")
        java.time.Duration timeout();

        /** Attempts for sending events on transient errors (1 = no retry). */
        @WithName("event-attempts")
        @WithDefault("5")
        int eventAttempts();

        /** The wait before sending events again after a transient error; it doubles at each attempt, up to 2 s. */
        @WithName("event-retry-delay")
        @WithDefault("PT0.1S")
        java.time.Duration eventRetryDelay();

        /**
         * Connections to the Inngest API and event API kept open at most: a burst of sends (webhooks, steps sending
         * events) queues behind them, and the queueing counts in {@link #timeout()}.
         */
        @WithName("max-connections")
        @WithDefault("50")
        int maxConnections();
    }
}
