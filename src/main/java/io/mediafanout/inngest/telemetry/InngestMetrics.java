package io.mediafanout.inngest.telemetry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import io.mediafanout.inngest.execution.ExecutionResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Metrics of the serve endpoint (Prometheus names): {@code inngest_executions_total{function,op}} for every call
 * answered ({@code op} = StepRun, StepError, StepFailed, StepPlanned (a plan, possibly with pauses), WaitForEvent or
 * Sleep (pauses only), StepNotFound, complete, error),
 * {@code inngest_runs_total{function,outcome}} for runs that ended (completed, failed) and
 * {@code inngest_signature_rejections_total} for requests refused for their signature.
 */
@Singleton
public class InngestMetrics {

    private final MeterRegistry registry;
    private final Counter signatureRejections;
    /** Counters by function and op or outcome: looked up once, not on every call. */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public InngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.signatureRejections = Counter.builder("inngest.signature.rejections")
                .description("Requests to the serve endpoint refused because of a missing, stale or wrong signature")
                .register(registry);
    }

    public void signatureRejected() {
        signatureRejections.increment();
    }

    public void executed(String functionId, ExecutionResult result) {
        counters.computeIfAbsent("executions " + functionId + " " + result.opCode(), k -> Counter
                .builder("inngest.executions").description("Calls from Inngest answered, by op")
                .tag("function", functionId).tag("op", result.opCode()).register(registry)).increment();
        if (result.status() == 200) {
            runEnded(functionId, "completed");
        } else if (result.status() == 400) {
            runEnded(functionId, "failed");
        }
    }

    private void runEnded(String functionId, String outcome) {
        counters.computeIfAbsent("runs " + functionId + " " + outcome, k -> Counter.builder("inngest.runs")
                .description("Runs that ended, as answered to Inngest").tag("function", functionId)
                .tag("outcome", outcome).register(registry)).increment();
    }
}
