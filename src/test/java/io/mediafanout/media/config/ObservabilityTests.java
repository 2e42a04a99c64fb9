package io.mediafanout.media.config;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.mediafanout.deploy.Monitoring;
import io.mediafanout.inngest.auth.Signatures;
import io.mediafanout.media.MediaFixture;
import io.mediafanout.media.ProductionLikeProfile;
import io.mediafanout.media.service.callbacks.CallbackTests;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeIttybit;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * What operators see: health with the database, the metrics the README lists, and logs that never contain a
 * secret, after full signed runs (one ready, one failed) and an upload.
 */
@QuarkusTest
@TestProfile(ProductionLikeProfile.class)
class ObservabilityTests {

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @Inject
    InMemorySpanExporter spans;

    @Inject
    OpenTelemetry openTelemetry;

    @Inject
    Tracer tracer;

    /** Collects every log record of the application while a test runs. */
    static final class Capture extends Handler {
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            StringBuilder line = new StringBuilder(formatter.formatMessage(record));
            if (record.getThrown() != null) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                line.append('\n').append(trace);
            }
            lines.add(line.toString());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private MediaFixture fixture() {
        return MediaFixture.of(serveUrl).signedWith(ProductionLikeProfile.SIGNING_KEY);
    }

    /** Production's path: {@code POST /media}, then Inngest (signing its calls) runs the event the API sent. */
    private ExecutorEmulator.Run run(String mediaId) throws Exception {
        return fixture().run(mediaId);
    }

    @Test
    void aFullRunLeavesNoSecretInTheLogsOrMetricsAndShowsTheListedMetrics() throws Exception {
        Capture capture = new Capture();
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        String metrics;
        try {
            String ok = MediaFixture.newId("obs");
            assertThat(run(ok).status()).isEqualTo("completed");

            String bad = MediaFixture.newId("obs");
            FakeIttybit.script(bad, "image").failTasks();
            FakeIttybit.script(bad, "audio").createFaults(503, 429);
            // Ittybit refuses the GIF task (400): its create step fails for good
            FakeIttybit.script(bad, "video").createFaults(400);
            ExecutorEmulator.Run failed = run(bad);
            assertThat(failed.status()).isEqualTo("failed");
            assertThat(fixture().runFailureHandler(bad, failed).status()).isEqualTo("completed");
            given().get("/api/inngest").then().statusCode(401);
            // a webhook URL this service never handed out: refused, and counted
            given().contentType("application/json").body("{}")
                    .post("/ittybit/webhooks/" + "0".repeat(32) + "/" + "0".repeat(32)).then().statusCode(404);
            metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        } finally {
            root.removeHandler(capture);
        }

        List<String> secrets = List.of(ProductionLikeProfile.SIGNING_KEY,
                Signatures.withoutPrefix(ProductionLikeProfile.SIGNING_KEY),
                Signatures.hashedKey(ProductionLikeProfile.SIGNING_KEY), ProductionLikeProfile.EVENT_KEY,
                FakeIttybit.API_KEY, CallbackTests.SECRET);
        assertThat(capture.lines).as("log lines captured").hasSizeGreaterThan(5);
        for (String secret : secrets) {
            assertThat(capture.lines).as("logs").noneMatch(line -> line.contains(secret));
            assertThat(metrics).as("metrics").doesNotContain(secret);
        }

        // no OTLP endpoint in this profile: the OpenTelemetry SDK is off and nothing was exported. Quarkus still
        // makes spans then (an SDK without processors), so a span is ended here and everything recorded is flushed:
        // were an exporter wired (it would be the tests' in-memory one), it would hold that span at least
        assertThat(ConfigProvider.getConfig().getValue("quarkus.otel.sdk.disabled", Boolean.class)).isTrue();
        Span probe = tracer.spanBuilder("observability-probe").startSpan();
        boolean recorded = probe.isRecording();
        probe.end();
        if (recorded) {
            assertThat(openTelemetry).as("what recorded the probe").isInstanceOf(OpenTelemetrySdk.class);
            assertThat(((OpenTelemetrySdk) openTelemetry).getSdkTracerProvider().forceFlush()
                    .join(10, TimeUnit.SECONDS).isSuccess()).as("flushed").isTrue();
        }
        assertThat(spans.getFinishedSpanItems()).isEmpty();

        assertThat(metrics).contains("media_runs_started_total{trigger=\"upload\"}", "inngest_executions_total{", "op=\"StepRun\"", "op=\"StepPlanned\"",
                "op=\"StepFailed\"", "op=\"WaitForEvent\"", "inngest_runs_total{", "outcome=\"completed\"", "outcome=\"failed\"",
                "inngest_signature_rejections_total", "media_branch_duration_seconds_count{",
                "branch=\"gif-preview\"", "ittybit_requests_total{", "status=\"201\"", "status=\"503\"",
                "status=\"429\"", "media_runs_total{outcome=\"ready\"}", "media_runs_total{outcome=\"failed\"}");
    }

    /**
     * Every metric the Grafana dashboard and the alert rules query is exported after a run (or comes from the
     * Kubernetes exporters they name), so neither can silently rot when a metric is renamed.
     */
    @Test
    void everyMetricTheDashboardAndTheAlertRulesQueryIsExported() throws Exception {
        aFullRunLeavesNoSecretInTheLogsOrMetricsAndShowsTheListedMetrics();
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Set<String> exported = new HashSet<>();
        for (String line : metrics.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                exported.add(line.split("[{ ]", 2)[0]);
            }
        }
        List<Monitoring.Expression> expressions = new ArrayList<>(Monitoring.dashboard());
        expressions.addAll(Monitoring.rules());
        assertThat(expressions).hasSizeGreaterThan(15);
        for (Monitoring.Expression e : expressions) {
            for (String name : Monitoring.metricNames(e.promql())) {
                if (!Monitoring.EXTERNAL.containsKey(name)) {
                    assertThat(exported).as(e.where() + " queries " + name).contains(name);
                }
            }
            if (e.promql().contains("histogram_quantile")) {
                assertThat(Monitoring.metricNames(e.promql())).as(e.where()).allMatch(n -> n.endsWith("_bucket"));
            }
        }
    }

    @Test
    void readinessIsThePodsOwnAndFollowsNoDependency() {
        // the pod's own state only (the shutdown delay's check): a database outage must not make every pod unready
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItem("Graceful Shutdown"))
                .body("checks.name", org.hamcrest.Matchers.not(hasItem(
                        org.hamcrest.Matchers.containsString("Database connections"))))
                .body("checks.name", org.hamcrest.Matchers.not(hasItem(
                        org.hamcrest.Matchers.containsString("Reactive PostgreSQL"))));
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/started").then().statusCode(200);
    }
}
