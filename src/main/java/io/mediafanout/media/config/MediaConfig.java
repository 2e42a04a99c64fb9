package io.mediafanout.media.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the media pipeline. */
@ConfigMapping(prefix = "media")
public interface MediaConfig {

    Ittybit ittybit();

    interface Ittybit {
        /** {@code ITTYBIT_API_KEY}: bearer token for Ittybit; never logged. */
        Optional<String> apiKey();

        /** {@code ITTYBIT_ACCEPT_VERSION}: the API version pinned with {@code Accept-Version}. */
        @WithDefault("2025-08-20")
        String acceptVersion();

        /** Waiting for a task to finish. */
        Poll poll();

        /** Webhooks that wake a waiting branch as soon as its task ends (polling stays as a safety net). */
        Webhook webhook();
    }

    interface Webhook {
        /**
         * {@code ITTYBIT_WEBHOOK_BASE_URL}: the public origin Ittybit can reach this service at (e.g.
         * {@code https://media.example.com}). When set, each task is created with a {@code webhook_url} under
         * {@code /ittybit/webhooks/}; unset, branches only poll.
         */
        Optional<URI> baseUrl();

        /**
         * {@code ITTYBIT_WEBHOOK_SECRET}: signs the webhook URLs (an HMAC in the path). Defaults to a key derived from
         * the Ittybit API key. Never logged.
         */
        Optional<String> secret();
    }

    interface Poll {
        /** First delay between two reads of a task; doubles after each read. */
        @WithDefault("PT0.25S")
        Duration initialDelay();

        /** Longest delay between two reads of a task. */
        @WithDefault("PT5S")
        Duration maxDelay();

        /**
         * How long one attempt of a branch waits for its task before failing the attempt (Inngest retries it, and
         * the retry resumes waiting for the same task).
         */
        @WithDefault("PT5M")
        Duration branchDeadline();

        /** A 429 asking to wait longer than this is handed back to Inngest as "retry after" instead. */
        @WithDefault("PT30S")
        Duration maxInProcessRetryAfter();
    }
}
