package io.mediafanout.inngest.telemetry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.inngest.execution.ExecutionResult;
import io.mediafanout.inngest.execution.RunRequest;
import io.mediafanout.inngest.serve.ServeRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.smallrye.mutiny.Uni;

/**
 * One trace per run. Inngest calls the service once per step, each call a separate HTTP request (on any replica,
 * retried at will); each call becomes a {@link SpanKind#SERVER} span of the trace whose id is derived from the run id
 * (SHA-256), under a parent span id derived the same way, so a tracing UI shows the calls of a run as one
 * waterfall. What a call does while it runs (outbound requests, database statements, events sent) are child spans
 * of it. The span links to the call's HTTP server span and to the {@code traceparent} Inngest sent, where it sent
 * one. The derived parent is never exported itself: UIs show the run's calls under a missing root.
 * <p>
 * Attributes: {@code inngest.run_id}, {@code inngest.function_id}, {@code inngest.step_id} (the hashed id Inngest
 * asked for, or {@code step}), {@code inngest.attempt}, and once answered {@code inngest.op},
 * {@code inngest.step_name} (the step it ran, when one) and {@code inngest.outcome}. With the OpenTelemetry SDK
 * disabled ({@code quarkus.otel.sdk.disabled}) a call runs as it is, untouched.
 */
@Singleton
public class RunTracing {

    static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("inngest.run_id");
    static final AttributeKey<String> FUNCTION_ID = AttributeKey.stringKey("inngest.function_id");
    static final AttributeKey<String> STEP_ID = AttributeKey.stringKey("inngest.step_id");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("inngest.attempt");
    static final AttributeKey<String> OP = AttributeKey.stringKey("inngest.op");
    static final AttributeKey<String> STEP_NAME = AttributeKey.stringKey("inngest.step_name");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("inngest.outcome");

    private static final TextMapGetter<ServeRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(ServeRequest request) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(ServeRequest request, String key) {
            return request == null ? null : request.header(key);
        }
    };

    private final Tracer tracer;
    private final boolean enabled;

    public RunTracing(Tracer tracer, @ConfigProperty(name = "quarkus.otel.sdk.disabled") boolean sdkDisabled) {
        this.tracer = tracer;
        this.enabled = !sdkDisabled;
    }

    /** The trace and parent span of every call of run {@code runId}. */
    public static SpanContext runContext(String runId) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(("inngest-run:" + runId).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
        // an all-zero id is invalid in W3C trace context: the first byte of each is forced non-zero
        digest[0] |= 1;
        digest[16] |= 1;
        HexFormat hex = HexFormat.of();
        return SpanContext.createFromRemoteParent(hex.formatHex(digest, 0, 16), hex.formatHex(digest, 16, 24),
                TraceFlags.getSampled(), TraceState.getDefault());
    }

    /**
     * Runs {@code call} inside the span of this call of {@code run}: current (so its I/O is traced as its children)
     * from now until the call's answer, ended with the answer's op and outcome.
     */
    public Uni<ExecutionResult> traced(ServeRequest request, String functionId, String stepId, RunRequest run,
            Supplier<Uni<ExecutionResult>> call) {
        if (!enabled) {
            return call.get();
        }
        Span http = Span.current();
        http.setAttribute(RUN_ID, run.runId());
        http.setAttribute(FUNCTION_ID, functionId);
        SpanBuilder builder = tracer.spanBuilder(spanName(functionId))
                .setSpanKind(SpanKind.SERVER)
                .setParent(Context.root().with(Span.wrap(runContext(run.runId()))))
                .setAttribute(RUN_ID, run.runId())
                .setAttribute(FUNCTION_ID, functionId)
                .setAttribute(STEP_ID, stepId)
                .setAttribute(ATTEMPT, (long) run.attempt());
        if (http.getSpanContext().isValid()) {
            builder.addLink(http.getSpanContext());
        }
        inngestTrace(request).ifPresent(builder::addLink);
        Span span = builder.startSpan();
        // current until the answer: Quarkus keeps it in this request's Vert.x context, where every continuation runs
        Scope scope = span.makeCurrent();
        AtomicBoolean ended = new AtomicBoolean();
        Uni<ExecutionResult> result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            end(span, scope, ended, functionId, null, "error");
            throw e;
        }
        return result.onItemOrFailure().invoke((answer, failure) -> end(span, scope, ended, functionId,
                        failure == null ? answer : null, "error"))
                // the caller went away before the answer (Inngest timed out, or the connection dropped)
                .onCancellation().invoke(() -> end(span, scope, ended, functionId, null, "cancelled"));
    }

    /** Ends the span once: with the answer's op and outcome, or with {@code failedOutcome} when there is none. */
    private static void end(Span span, Scope scope, AtomicBoolean ended, String functionId, ExecutionResult answer,
            String failedOutcome) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        try {
            if (answer == null) {
                span.setAttribute(OUTCOME, failedOutcome);
                span.setStatus(StatusCode.ERROR, failedOutcome);
            } else {
                span.setAttribute(OP, answer.opCode());
                stepName(answer.body()).ifPresent(name -> {
                    span.setAttribute(STEP_NAME, name);
                    span.updateName(spanName(functionId) + " / " + name);
                });
                String outcome = switch (answer.status()) {
                    case 200 -> "completed";
                    case 206 -> "continued";
                    case 400 -> "failed";
                    default -> "retry";
                };
                span.setAttribute(OUTCOME, outcome);
                if (answer.status() >= 400) {
                    span.setStatus(StatusCode.ERROR, answer.opCode());
                }
            }
        } finally {
            span.end();
            scope.close();
        }
    }

    private static String spanName(String functionId) {
        return "inngest " + functionId;
    }

    /** The step a 206 ran or reported, when it names exactly one. */
    private static Optional<String> stepName(JsonNode body) {
        if (body == null || !body.isArray() || body.size() != 1) {
            return Optional.empty();
        }
        JsonNode op = body.get(0);
        String name = op.path("displayName").asText(op.path("name").asText(""));
        return name.isEmpty() ? Optional.empty() : Optional.of(name);
    }

    /** The span Inngest's {@code traceparent} names, if it sent a valid one. */
    private static Optional<SpanContext> inngestTrace(ServeRequest request) {
        if (request.header("traceparent") == null) {
            return Optional.empty();
        }
        SpanContext sent = Span.fromContext(W3CTraceContextPropagator.getInstance()
                .extract(Context.root(), request, HEADERS)).getSpanContext();
        return sent.isValid() ? Optional.of(sent) : Optional.empty();
    }
}
