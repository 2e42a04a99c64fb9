package io.mediafanout.inngest.serve;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

import jakarta.inject.Singleton;

import org.jboss.logging.MDC;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.InngestClient;
import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.inngest.auth.JsonDepth;
import io.mediafanout.inngest.auth.RequestAuthenticator;
import io.mediafanout.inngest.execution.Execution;
import io.mediafanout.inngest.execution.ExecutionResult;
import io.mediafanout.inngest.execution.Ops;
import io.mediafanout.inngest.execution.RunPayloads;
import io.mediafanout.inngest.execution.RunRequest;
import io.mediafanout.inngest.execution.StepTools;
import io.mediafanout.inngest.telemetry.InngestMetrics;
import io.mediafanout.inngest.telemetry.RunTracing;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The serve protocol's router, in the order every request takes: authenticate ({@link RequestAuthenticator}, from
 * the cheapest check up), then parse, then work — introspection ({@code GET}), sync ({@code PUT}, {@link AppSync}),
 * trust probe and execution ({@code POST}). Every answer goes through {@link ServeAnswers}. Framework-independent;
 * {@link InngestServeRoute} adapts it to HTTP.
 */
@Singleton
public class InngestServeHandler {

    private final InngestEnvironment environment;
    private final InngestFunctions functions;
    private final RequestAuthenticator authenticator;
    private final Introspection introspection;
    private final AppSync sync;
    private final RunPayloads payloads;
    private final ServeAnswers answers;
    private final ObjectMapper json;
    private final InngestMetrics metrics;
    private final Ops ops;
    private final StepTools.Services services;
    private final RunTracing tracing;

    public InngestServeHandler(InngestEnvironment environment, InngestFunctions functions,
            RequestAuthenticator authenticator, Introspection introspection, AppSync sync, RunPayloads payloads,
            ServeAnswers answers, ObjectMapper json, InngestMetrics metrics, InngestClient events, RunTracing tracing) {
        this.environment = environment;
        this.functions = functions;
        this.authenticator = authenticator;
        this.introspection = introspection;
        this.sync = sync;
        this.payloads = payloads;
        this.answers = answers;
        this.json = json;
        this.metrics = metrics;
        this.ops = new Ops(json);
        this.services = new StepTools.Services(events);
        this.tracing = tracing;
    }

    public Uni<ServeResponse> handle(ServeRequest request) {
        try {
            if (environment.isMisconfigured()) {
                return Uni.createFrom().item(answers.refused(500, "In cloud mode but no signing key found: set "
                        + "INNGEST_SIGNING_KEY (or INNGEST_DEV=1 for local development)"));
            }
            return switch (request.method()) {
                case "GET", "HEAD" -> Uni.createFrom().item(authenticated(request, key -> answers.json(request, 200,
                        key.isPresent() ? introspection.authenticated() : introspection.unauthenticated(), key,
                        Map.of())));
                case "PUT" -> "in_band".equals(request.header("x-inngest-sync-kind"))
                        && environment.config().allowInBandSync()
                                ? Uni.createFrom().item(authenticated(request, key -> sync.inBand(request, key)))
                                : sync.outOfBand(request);
                case "POST" -> post(request);
                default -> Uni.createFrom().item(answers.json(request, 405,
                        json.createObjectNode().put("message", "Method not allowed"), Optional.empty(), Map.of()));
            };
        } catch (RuntimeException | StackOverflowError e) {
            Log.errorf("Unexpected failure in the Inngest serve endpoint: %s", e.toString());
            Log.debug("Serve endpoint failure", e);
            return Uni.createFrom().item(answers.internal(request, "internal error in the Inngest SDK",
                    Optional.empty()));
        }
    }

    /**
     * The answer to a {@code POST} that its signature header alone refuses (missing, malformed or stale while
     * signatures are required), given before its body is read; empty when the body must be looked at.
     */
    public Optional<ServeResponse> refuseBeforeBody(String method, java.util.function.Function<String, String> header) {
        if (!"POST".equalsIgnoreCase(method) || environment.isMisconfigured()
                || !authenticator.refusesHeader(header.apply("X-Inngest-Signature"))) {
            return Optional.empty();
        }
        return Optional.of(refusal(new RequestAuthenticator.Refused(401, "Unauthorized")));
    }

    /** Runs {@code work} with the key that verified the request, or answers why it was refused. */
    private <T> T authenticated(ServeRequest request, java.util.function.Function<Optional<String>, T> work,
            java.util.function.Function<ServeResponse, T> refusal) {
        RequestAuthenticator.Verdict verdict = authenticator.authenticate(request);
        if (verdict instanceof RequestAuthenticator.Refused refused) {
            return refusal.apply(refusal(refused));
        }
        return work.apply(((RequestAuthenticator.Accepted) verdict).key());
    }

    private ServeResponse refusal(RequestAuthenticator.Refused refused) {
        if (refused.status() == 401) {
            metrics.signatureRejected();
        }
        return answers.refused(refused.status(), refused.reason());
    }

    private ServeResponse authenticated(ServeRequest request,
            java.util.function.Function<Optional<String>, ServeResponse> work) {
        return authenticated(request, work, refused -> refused);
    }

    // ---- POST ----------------------------------------------------------------------------------------------------

    /**
     * Bodies larger than this are verified on a worker thread, not on the event loop: canonicalising a hand-made
     * 8 MiB body takes up to about half a second of CPU (Inngest's bodies are a few KiB, 87 KiB for a 900-step run).
     */
    public static final int VERIFY_OFF_LOOP_BYTES = 256 * 1024;

    private Uni<ServeResponse> post(ServeRequest request) {
        Context loop = Vertx.currentContext();
        if (request.body().length <= VERIFY_OFF_LOOP_BYTES || loop == null || !Context.isOnEventLoopThread()) {
            return verified(request, authenticator.authenticate(request));
        }
        return Uni.createFrom().item(() -> authenticator.authenticate(request))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .emitOn(task -> loop.runOnContext(ignored -> task.run()))
                .chain(verdict -> verified(request, verdict));
    }

    private Uni<ServeResponse> verified(ServeRequest request, RequestAuthenticator.Verdict verdict) {
        if (verdict instanceof RequestAuthenticator.Refused refused) {
            return Uni.createFrom().item(refusal(refused));
        }
        RequestAuthenticator.Accepted accepted = (RequestAuthenticator.Accepted) verdict;
        Optional<String> key = accepted.key();
        String probe = request.query("probe");
        if (probe != null) {
            return Uni.createFrom().item(probe.equals("trust")
                    ? answers.signed(request, 200, new byte[0], key, Map.of())
                    : answers.json(request, 400, answers.error("Error", "unknown probe \"" + probe + "\""), key,
                            Map.of()));
        }
        return execute(request, key);
    }

    /** Runs the call; its body is parsed only now, once its signature (if one is required) has matched. */
    private Uni<ServeResponse> execute(ServeRequest request, Optional<String> key) {
        String fnId = request.query("fnId");
        Optional<InngestFunctions.Served> function = functions.find(fnId);
        if (function.isEmpty()) {
            return Uni.createFrom().item(answers.internal(request,
                    "Function \"" + fnId + "\" was not found in this app; is the app synced correctly?", key));
        }
        RunRequest run;
        try {
            run = RunRequest.parse(parse(request.body()));
        } catch (UnreadableBodyException e) {
            return Uni.createFrom().item(answers.refused(400, e.getMessage()));
        } catch (RunRequest.InvalidRequestException e) {
            return Uni.createFrom().item(answers.internal(request,
                    "Failed to parse data from executor: " + e.getMessage(), key));
        }
        String stepId = request.query("stepId");
        if (stepId == null || stepId.isBlank()) {
            stepId = Optional.ofNullable(request.header("X-Inngest-Step-ID")).orElse("step");
        }
        String target = stepId.equals("step") ? null : stepId;
        MDC.put("runId", run.runId());
        MDC.put("functionId", fnId);
        Executor scheduler = scheduler();
        return tracing.traced(request, fnId, stepId, run, () -> payloads.complete(run)
                .chain(r -> new Execution(function.get(), r, target, ops, services, scheduler).run()))
                .invoke(result -> metrics.executed(fnId, result))
                .map(result -> executed(request, result, key))
                .onFailure().recoverWithItem(failure -> {
                    Log.errorf(failure, "Call of %s (run %s) could not be executed", fnId, run.runId());
                    return answers.internal(request, failure instanceof RunPayloads.RunPayloadException
                            ? failure.getMessage() : "the call could not be executed", key);
                });
    }

    /** The body is not JSON a call can be read from (not JSON at all, or nested too deep to parse safely). */
    private static final class UnreadableBodyException extends RuntimeException {
        UnreadableBodyException(String message) {
            super(message, null, false, false);
        }
    }

    /** Parses the body, its depth bounded as it is read. */
    private JsonNode parse(byte[] body) {
        try (JsonParser parser = JsonDepth.parser(body)) {
            return json.readTree(parser);
        } catch (Exception | StackOverflowError e) {
            throw new UnreadableBodyException(JsonDepth.isTooDeep(e) ? JsonDepth.REFUSAL
                    : "the request body is not valid JSON");
        }
    }

    private ServeResponse executed(ServeRequest request, ExecutionResult result, Optional<String> key) {
        Map<String, String> extra = new LinkedHashMap<>();
        if (result.noRetry() != null) {
            extra.put("X-Inngest-No-Retry", result.noRetry().toString());
        }
        result.retryAfterSeconds().ifPresent(s -> extra.put("Retry-After", Long.toString(s)));
        return answers.json(request, result.status(), result.body(), key, extra);
    }

    /** Runs the decision of an execution on a later turn of this request's event loop. */
    private static Executor scheduler() {
        Context context = Vertx.currentContext();
        if (context == null) {
            return Infrastructure.getDefaultExecutor();
        }
        return task -> context.runOnContext(ignored -> task.run());
    }
}
