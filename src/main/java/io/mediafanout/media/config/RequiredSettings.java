package io.mediafanout.media.config;

import java.util.Locale;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.media.service.Branch;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/**
 * The service refuses to start with settings it cannot work with: in production without an Ittybit key or (cloud
 * mode) an Inngest event key, anywhere with more reads per task than a run's step budget allows, a default
 * callback URL that is unsigned or not acceptable, or a branch's retry policy that is negative or inconsistent.
 * (Output defaults are checked by {@code OutputOptions}.)
 */
@Singleton
public class RequiredSettings {

    /** Keeps a run under Inngest's 1,000 steps (see {@link MediaConfig.Poll#maxReads()}). */
    public static final int MAX_READS = 30;

    void check(@Observes StartupEvent start, MediaConfig config, InngestEnvironment inngest,
            io.mediafanout.media.service.callbacks.CallbackUrls callbackUrls, io.mediafanout.media.service.OutputOptions outputs) {
        outputs.defaults(); // built (and checked) now: a bad media.outputs.* setting stops the start
        config.callbacks().defaultUrl().ifPresent(url -> {
            if (config.callbacks().secret().isEmpty()) {
                throw new IllegalStateException("MEDIA_CALLBACKS_DEFAULT_URL is set but MEDIA_CALLBACKS_SECRET is not: "
                        + "callbacks are always signed");
            }
            try {
                callbackUrls.parse(url, "MEDIA_CALLBACKS_DEFAULT_URL");
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage());
            }
        });
        if (LaunchMode.current() == LaunchMode.NORMAL && !inngest.isDev() && inngest.eventKey().isEmpty()) {
            throw new IllegalStateException("INNGEST_EVENT_KEY is not set: uploads, Ittybit webhooks and the "
                    + "media/ready and media/failed events are sent to Inngest with it (or set INNGEST_DEV=1 locally)");
        }
        if (LaunchMode.current() == LaunchMode.NORMAL && config.ittybit().apiKey().isEmpty()) {
            throw new IllegalStateException("ITTYBIT_API_KEY is not set: the pipeline cannot create Ittybit tasks "
                    + "without it (set ITTYBIT_API_KEY, and ITTYBIT_API_URL for an Ittybit-compatible server)");
        }
        int maxReads = config.ittybit().poll().maxReads();
        if (maxReads < 1 || maxReads > MAX_READS) {
            throw new IllegalStateException("media.ittybit.poll.max-reads is " + maxReads + ": it must be between 1 and "
                    + MAX_READS + ", so that a run stays under Inngest's 1,000 steps");
        }
        checkRetries(config.ittybit());
    }

    /**
     * Each branch's retry policy ({@code media.ittybit.<branch>.retry.*}): nothing negative, and a deadline longer
     * than the delay (SmallRye Fault Tolerance's own rules, checked here so that a bad value stops the start with the
     * setting named instead of failing the first call).
     */
    public static void checkRetries(MediaConfig.Ittybit ittybit) {
        for (Branch branch : Branch.values()) {
            String prefix = "media.ittybit." + branch.id() + ".retry.";
            MediaConfig.Retry retry = ittybit.retry(branch);
            if (retry.maxRetries() < 0) {
                throw invalid(prefix + "max-retries", retry.maxRetries(), "it must be 0 (no retry) or more");
            }
            if (retry.delay().isNegative()) {
                throw invalid(prefix + "delay", retry.delay(), "it must not be negative");
            }
            if (retry.jitter().isNegative()) {
                throw invalid(prefix + "jitter", retry.jitter(), "it must not be negative");
            }
            // in whole milliseconds, as the guards take them
            if (retry.maxDuration().toMillis() <= retry.delay().toMillis()) {
                throw invalid(prefix + "max-duration", retry.maxDuration(), "it must be longer than " + prefix
                        + "delay (" + retry.delay() + ")");
            }
        }
    }

    private static IllegalStateException invalid(String property, Object value, String rule) {
        String variable = property.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        return new IllegalStateException(property + " (" + variable + ") is " + value + ": " + rule);
    }
}
