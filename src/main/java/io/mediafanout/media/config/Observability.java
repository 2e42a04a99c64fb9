package io.mediafanout.media.config;

import java.time.Duration;
import java.util.regex.Pattern;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.mediafanout.inngest.telemetry.SpanRedaction;
import io.mediafanout.media.client.IttybitWebhooks;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.opentelemetry.sdk.trace.SpanProcessor;

/**
 * What the dashboard and the alert rules need beyond the defaults: HTTP latency as a histogram, and no webhook token
 * in a span.
 */
public class Observability {

    /** Buckets of {@code http_server_requests_seconds}: enough for p50/p99 by route, few series. */
    static final Duration[] HTTP_BUCKETS = { Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10) };

    @Produces
    @Singleton
    MeterFilter httpServerHistogram() {
        double[] buckets = new double[HTTP_BUCKETS.length];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = HTTP_BUCKETS[i].toNanos();
        }
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (!id.getName().equals("http.server.requests")) {
                    return config;
                }
                return DistributionStatisticConfig.builder().serviceLevelObjectives(buckets).build().merge(config);
            }
        };
    }

    /** The token of {@code /ittybit/webhooks/<task key>/<token>} authenticates Ittybit: never in a span. */
    @Produces
    @Singleton
    SpanProcessor webhookTokenRedaction() {
        return new SpanRedaction(Pattern.compile(Pattern.quote(IttybitWebhooks.PATH) + "/[^/?#]+/([^/?#]+)"));
    }
}
