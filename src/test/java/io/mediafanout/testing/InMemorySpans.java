package io.mediafanout.testing;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;

/**
 * Every span the application finishes, kept in memory for the tests to read. Quarkus exports to every
 * {@code SpanExporter} bean; with the OpenTelemetry SDK disabled (no OTLP endpoint, every profile but
 * {@code WebhookProfile}) nothing reaches it.
 */
public class InMemorySpans {

    @Produces
    @Singleton
    InMemorySpanExporter spans() {
        return InMemorySpanExporter.create();
    }
}
