package io.mediafanout.media.config;

import java.util.HashMap;
import java.util.Map;

import io.mediafanout.media.ProductionLikeProfile;
import io.mediafanout.media.service.webhooks.WebhookProfile;
import io.mediafanout.testing.RecordingHttpServer;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Production-like (signed cloud mode, every secret set), with Ittybit webhooks and tracing on: an OTLP endpoint is
 * configured, which is what turns the OpenTelemetry SDK on. The spans go to the tests' {@code InMemorySpanExporter}
 * (Quarkus exports to a {@code SpanExporter} bean instead of OTLP when there is one); {@code ProductionProcessIT}
 * checks the OTLP export of the packaged jar.
 */
public class TracingProfile implements QuarkusTestProfile {

    /** Stands for the collector; nothing is sent to it here (see above). */
    static final RecordingHttpServer COLLECTOR = new RecordingHttpServer();

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>(new ProductionLikeProfile().getConfigOverrides());
        config.putAll(new WebhookProfile().getConfigOverrides());
        config.put("media.ittybit.poll.initial-delay", "PT1S");
        config.put("media.ittybit.poll.max-delay", "PT4S");
        config.put("media.ittybit.webhook.wait-timeout", "PT30S");
        config.put("quarkus.otel.exporter.otlp.traces.endpoint", COLLECTOR.url());
        config.put("quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf");
        config.put("quarkus.otel.bsp.schedule.delay", "PT0.2S");
        return config;
    }
}
