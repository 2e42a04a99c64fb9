package io.mediafanout.media.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.inngest.auth.Signatures;
import io.mediafanout.inngest.telemetry.RunTracing;
import io.mediafanout.media.MediaFixture;
import io.mediafanout.media.ProductionLikeProfile;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.service.webhooks.WebhookProfile;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeIttybit;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Tracing with an OTLP endpoint configured: a whole signed run, driven call by call by the executor emulator (with
 * webhooks), is one trace derived from its run id, whose calls are server spans carrying the run's attributes and
 * whose Ittybit requests, database statements and sent events are their children; no secret reaches a span, and
 * log lines carry the trace id.
 */
@QuarkusTest
@TestProfile(WebhookProfile.class)
class TracingTests {

    static final String FN = MediaFixture.FANOUT;

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @Inject
    InMemorySpanExporter exporter;

    /** Every log record of the application while it is installed, with its MDC. */
    static final class Capture extends Handler {
        final List<ExtLogRecord> records = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            if (record instanceof ExtLogRecord ext) {
                ext.copyMdc();
                records.add(ext);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private static String text(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    private static String url(SpanData span) {
        for (String key : List.of("url.full", "http.url", "url.path", "http.target")) {
            if (text(span, key) != null) {
                return text(span, key);
            }
        }
        return "";
    }

    @Test
    void everyCallOfARunIsOneTraceWithItsIttybitDatabaseAndEventSpansAsChildren() throws Exception {
        MediaFixture fixture = MediaFixture.of(serveUrl).signedWith(ProductionLikeProfile.SIGNING_KEY);
        String mediaId = MediaFixture.newId("trc");
        for (Branch branch : Branch.values()) {
            FakeIttybit.Script script = FakeIttybit.script(mediaId, branch.kind());
            script.completeAfter = Duration.ofMillis(300);
            script.webhooks = true;
        }
        JsonNode uploaded = fixture.upload(mediaId);
        exporter.reset();
        Capture capture = new Capture();
        Logger.getLogger("").addHandler(capture);
        ExecutorEmulator.Run run;
        try (ExecutorEmulator emulator = fixture.emulator(FN, 3)) {
            run = emulator.runEvent(uploaded);
        } finally {
            Logger.getLogger("").removeHandler(capture);
        }
        assertThat(run.status()).isEqualTo("completed");
        long answered = run.calls().stream().filter(c -> c.status() != 0).count();

        List<SpanData> spans = awaitSpans(s -> s.stream().filter(TracingTests::isCall).count() >= answered
                && s.stream().anyMatch(span -> url(span).contains("/e/")));
        List<SpanData> calls = spans.stream().filter(TracingTests::isCall).toList();
        Set<String> runIds = calls.stream().map(s -> text(s, "inngest.run_id")).collect(Collectors.toSet());
        assertThat(runIds).as("one run").hasSize(1);
        SpanContext runContext = RunTracing.runContext(runIds.iterator().next());

        // every call of the run: a server span of the run's trace, under the run's derived parent
        assertThat(calls).hasSize((int) answered).allSatisfy(call -> {
            assertThat(call.getKind()).isEqualTo(SpanKind.SERVER);
            assertThat(call.getTraceId()).isEqualTo(runContext.getTraceId());
            assertThat(call.getParentSpanId()).isEqualTo(runContext.getSpanId());
            assertThat(text(call, "inngest.function_id")).isEqualTo(FN);
            assertThat(text(call, "inngest.step_id")).isNotBlank();
            assertThat(call.getAttributes().get(AttributeKey.longKey("inngest.attempt"))).isNotNull();
            assertThat(text(call, "inngest.op")).isNotBlank();
            assertThat(text(call, "inngest.outcome")).isIn("completed", "continued", "failed", "retry");
            // linked to the HTTP server span of the call, which is not in the run's trace
            assertThat(call.getLinks()).anySatisfy(link -> {
                assertThat(link.getSpanContext().isValid()).isTrue();
                assertThat(link.getSpanContext().getTraceId()).isNotEqualTo(runContext.getTraceId());
            });
        });
        assertThat(calls).anySatisfy(call -> {
            assertThat(text(call, "inngest.op")).isEqualTo("StepRun");
            assertThat(text(call, "inngest.step_name")).isEqualTo("hls-package");
            assertThat(call.getName()).isEqualTo("inngest " + FN + " / hls-package");
        });
        assertThat(calls).filteredOn(c -> "completed".equals(text(c, "inngest.outcome"))).hasSize(1);

        // what the calls did: children of call spans, in the same trace
        Set<String> callIds = calls.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
        List<SpanData> children = spans.stream().filter(s -> callIds.contains(s.getParentSpanId())).toList();
        assertThat(children).allSatisfy(child -> assertThat(child.getTraceId()).isEqualTo(runContext.getTraceId()));
        String ittybit = FakeIttybit.server().url();
        assertThat(children).as("Ittybit requests").anySatisfy(child -> {
            assertThat(child.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(url(child)).startsWith(ittybit + "/tasks");
        });
        assertThat(children).as("database statements").anySatisfy(child -> {
            assertThat(child.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(text(child, "db.operation")).isIn("SELECT", "INSERT", "UPDATE");
            assertThat(text(child, "db.statement")).contains("media");
        });
        assertThat(children).as("the media/ready event sent by assemble").anySatisfy(child -> {
            assertThat(child.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(url(child)).contains("/e/REDACTED");
        });

        // the webhooks Ittybit called: server spans whose token is redacted
        List<SpanData> webhookSpans = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER
                && url(s).contains("/ittybit/webhooks/")).toList();
        assertThat(webhookSpans).isNotEmpty().allSatisfy(s -> assertThat(url(s)).endsWith("/REDACTED"));

        // no secret in any span: names, attributes, events
        List<String> secrets = new ArrayList<>(List.of(ProductionLikeProfile.SIGNING_KEY,
                Signatures.withoutPrefix(ProductionLikeProfile.SIGNING_KEY),
                Signatures.hashedKey(ProductionLikeProfile.SIGNING_KEY), ProductionLikeProfile.EVENT_KEY,
                FakeIttybit.API_KEY));
        // the webhook token of each task (one per branch): <base>/ittybit/webhooks/<task key>/<token>
        List<FakeIttybit.Task> tasks = FakeIttybit.tasks(mediaId);
        assertThat(tasks).extracting(FakeIttybit.Task::kind).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(Branch.values()).map(Branch::kind).toList());
        for (FakeIttybit.Task task : tasks) {
            String webhookUrl = task.request().path("webhook_url").asText();
            Matcher token = Pattern.compile(".+/ittybit/webhooks/" + task.idempotencyKey() + "/([0-9a-f]{32})")
                    .matcher(webhookUrl);
            assertThat(token.matches()).as(task.kind() + " webhook URL " + webhookUrl).isTrue();
            secrets.add(token.group(1));
        }
        for (SpanData span : spans) {
            String all = span.getName() + " " + span.getAttributes() + " " + span.getEvents() + " "
                    + span.getResource().getAttributes();
            for (String secret : secrets) {
                assertThat(all).as("span " + span.getName()).doesNotContain(secret);
            }
        }

        // log lines written while a call ran carry the run's trace id
        assertThat(capture.records).as("log lines of the calls")
                .anySatisfy(r -> assertThat(r.getMdc("traceId")).isEqualTo(runContext.getTraceId()));
    }

    private static boolean isCall(SpanData span) {
        return span.getAttributes().get(AttributeKey.stringKey("inngest.run_id")) != null
                && span.getName().startsWith("inngest ");
    }

    private List<SpanData> awaitSpans(java.util.function.Predicate<List<SpanData>> done) {
        return await("the run's spans are exported").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(exporter::getFinishedSpanItems, done::test);
    }
}
