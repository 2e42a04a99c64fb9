package io.mediafanout.inngest.telemetry;

import java.util.regex.Pattern;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.opentelemetry.sdk.trace.SpanProcessor;

/** What the SDK adds to OpenTelemetry: the event key of {@code POST /e/<key>} never reaches a span. */
public class TracingProducers {

    @Produces
    @Singleton
    SpanProcessor eventKeyRedaction() {
        return new SpanRedaction(Pattern.compile("/e/([^/?#]+)"));
    }
}
