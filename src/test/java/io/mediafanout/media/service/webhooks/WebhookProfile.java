package io.mediafanout.media.service.webhooks;

import java.util.HashMap;
import java.util.Map;

import io.mediafanout.media.ProductionLikeProfile;
import io.mediafanout.testing.FreePorts;
import io.mediafanout.testing.RecordingHttpServer;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Production-like (signed cloud mode, every secret set) with Ittybit webhooks and tracing on, for
 * {@link WebhookTests} and {@code TracingTests}.
 * <ul>
 * <li>Webhooks: the service listens on a fixed free port and gives Ittybit webhook URLs on it; a branch waits 30
 * minutes for its webhook and then reads every ten minutes, so a run finishing in seconds proves the webhook ended its
 * wait.</li>
 * <li>Tracing: an OTLP endpoint is configured, which is what turns the OpenTelemetry SDK on. The spans go to the
 * tests' {@code InMemorySpanExporter} (Quarkus exports to a {@code SpanExporter} bean instead of OTLP when there is
 * one); {@code ProductionProcessIT} checks the OTLP export of the packaged jar.</li>
 * </ul>
 */
public class WebhookProfile implements QuarkusTestProfile {

    static final int PORT = FreePorts.next();
    /** Stands for the collector; nothing is sent to it here (see above). */
    static final RecordingHttpServer COLLECTOR = new RecordingHttpServer();

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>(new ProductionLikeProfile().getConfigOverrides());
        config.put("quarkus.http.test-port", String.valueOf(PORT));
        config.put("media.ittybit.webhook.base-url", "http://127.0.0.1:" + PORT);
        config.put("media.ittybit.poll.initial-delay", "PT10M");
        config.put("media.ittybit.poll.max-delay", "PT10M");
        config.put("media.ittybit.webhook.wait-timeout", "PT30M");
        config.put("quarkus.otel.exporter.otlp.traces.endpoint", COLLECTOR.url());
        config.put("quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf");
        config.put("quarkus.otel.bsp.schedule.delay", "PT0.2S");
        return config;
    }
}
