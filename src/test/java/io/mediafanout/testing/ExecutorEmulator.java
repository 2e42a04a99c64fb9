package io.mediafanout.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.erdtman.jcs.JsonCanonicalizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.Signatures;

/**
 * Plays the Inngest executor against the serve endpoint, over real HTTP, the way the server drives a run in the
 * classic protocol (execution version 2): discovery calls ({@code stepId=step}), planned steps called by id
 * concurrently, {@code disable_immediate_execution} after a parallel plan (reset once the parallel group is done),
 * per-step attempts up to {@code max_attempts}, {@code Retry-After}, {@code X-Inngest-No-Retry}, and completion.
 * In cloud mode it signs every request (over canonical JSON, as the server does) and verifies every response
 * signature.
 */
public final class ExecutorEmulator {

    /** One HTTP call the emulator made. */
    public record Call(String stepId, int attempt, int status, List<String> ops, String noRetry, String retryAfter) {
    }

    /** How a run ended: {@code completed} (200) or {@code failed}. */
    public record Run(String status, JsonNode output, List<Call> calls, Map<String, JsonNode> steps) {
        public List<Call> callsFor(String stepHash) {
            return calls.stream().filter(c -> c.stepId().equals(stepHash)).toList();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI serveUrl;
    private final String fnId;
    private final Optional<String> signingKey;
    private final int maxAttempts;
    private final Duration maxRetryWait;
    private volatile java.util.function.BiConsumer<String, Integer> beforeCall = (stepId, attempt) -> {
    };
    private volatile Duration connectionRetryDelay = Duration.ofSeconds(2);
    /**
     * Generous timeouts, as Inngest's own: a step call may last as long as the service's branch deadline (5 min),
     * and on a saturated machine (1,000 runs on 2 cores) connecting can take seconds.
     */
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    /** Planned steps are called concurrently, as the server does (not on the 1-thread common pool of 2 cores). */
    private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "executor-emulator");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param signingKey signs requests and verifies responses when present (cloud mode)
     * @param retries the function's retries: {@code max_attempts = retries + 1}
     * @param maxRetryWait cap on how long a {@code Retry-After} is waited for (keeps tests short)
     */
    public ExecutorEmulator(URI serveUrl, String fnId, Optional<String> signingKey, int retries, Duration maxRetryWait) {
        this.serveUrl = serveUrl;
        this.fnId = fnId;
        this.signingKey = signingKey;
        this.maxAttempts = retries + 1;
        this.maxRetryWait = maxRetryWait;
    }

    /** Runs {@code hook(stepId, attempt)} before every call (fault injection in tests). */
    public ExecutorEmulator beforeCall(java.util.function.BiConsumer<String, Integer> hook) {
        this.beforeCall = hook;
        return this;
    }

    /** How long to wait before retrying a call that could not connect (the service is restarting). */
    public ExecutorEmulator connectionRetryDelay(Duration delay) {
        this.connectionRetryDelay = delay;
        return this;
    }

    /** Runs the function for one event until it completes or fails for good. */
    public Run run(String eventName, JsonNode eventData) throws Exception {
        RunState run = new RunState(eventName, eventData);
        int attempt = 0;
        for (int calls = 0; calls < 200; calls++) {
            Response response = call(run, "step", attempt);
            boolean last = attempt >= maxAttempts - 1 || "true".equals(response.noRetry);
            if (response.status == 200) {
                return run.finish("completed", response.body);
            }
            if (response.status != 206) {
                if (last) {
                    return run.finish("failed", response.body);
                }
                waitRetryAfter(response.retryAfter);
                attempt++;
                continue;
            }
            List<JsonNode> ops = new ArrayList<>();
            response.body.forEach(ops::add);
            if (ops.size() == 1 && ops.get(0).path("op").asText().equals("StepError")) {
                // a step executed immediately failed: the same queue item is retried, or the step fails for good
                if (last) {
                    run.memoise(ops.get(0).path("id").asText(),
                            JSON.createObjectNode().set("error", ops.get(0).get("error")));
                    attempt = 0;
                } else {
                    waitRetryAfter(response.retryAfter);
                    attempt++;
                }
                continue;
            }
            attempt = 0;
            if (ops.size() > 1) {
                run.disableImmediateExecution = true;
            }
            List<CompletableFuture<Void>> planned = new ArrayList<>();
            for (JsonNode op : ops) {
                String kind = op.path("op").asText();
                String id = op.path("id").asText();
                switch (kind) {
                    case "StepPlanned" -> planned.add(CompletableFuture.runAsync(() -> runStep(run, id), pool));
                    case "StepRun" -> run.memoise(id, JSON.createObjectNode().set("data", op.get("data")));
                    case "StepFailed" -> run.memoise(id, JSON.createObjectNode().set("error", op.get("error")));
                    default -> throw new AssertionError("unexpected op in a discovery answer: " + op);
                }
            }
            CompletableFuture.allOf(planned.toArray(CompletableFuture[]::new)).join();
            if (run.settledBy != null) {
                return run.finish(run.settledBy.status == 200 ? "completed" : "failed", run.settledBy.body);
            }
            if (ops.size() > 1) {
                // version 2: the parallel group is done, the server lets the next single step run immediately
                run.disableImmediateExecution = false;
            }
        }
        throw new AssertionError("the run did not settle after 200 calls");
    }

    /** Calls one planned step by id until it succeeds or fails for good, then memoises the outcome. */
    private void runStep(RunState run, String hash) {
        try {
            for (int attempt = 0; attempt < maxAttempts; attempt++) {
                Response response = call(run, hash, attempt);
                if (response.status == 206 && response.body.size() == 1) {
                    JsonNode op = response.body.get(0);
                    String kind = op.path("op").asText();
                    if (kind.equals("StepRun")) {
                        run.memoise(hash, JSON.createObjectNode().set("data", op.get("data")));
                        return;
                    }
                    boolean last = attempt == maxAttempts - 1 || "true".equals(response.noRetry);
                    if (kind.equals("StepFailed") || (kind.equals("StepError") && last)) {
                        run.memoise(hash, JSON.createObjectNode().set("error", op.get("error")));
                        return;
                    }
                    if (!kind.equals("StepError")) {
                        throw new AssertionError("unexpected op for a targeted call: " + op);
                    }
                } else if (response.status == 200 || "true".equals(response.noRetry)) {
                    // the function settled without reaching the step (e.g. a sibling's failure was replayed first)
                    run.settledBy = response;
                    return;
                } else if (response.status < 500) {
                    throw new AssertionError("targeted call answered " + response.status + ": " + response.body);
                }
                waitRetryAfter(response.retryAfter);
            }
            throw new AssertionError("step " + hash + " neither succeeded nor failed for good");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void waitRetryAfter(String retryAfter) throws InterruptedException {
        if (retryAfter != null) {
            long millis = Math.min(Long.parseLong(retryAfter) * 1000, maxRetryWait.toMillis());
            Thread.sleep(millis);
        }
    }

    private record Response(int status, JsonNode body, String noRetry, String retryAfter) {
    }

    /**
     * One call. A connection failure counts as a failed attempt answered 500, as the Inngest executor treats it
     * (it retries the same queue item later).
     */
    private Response call(RunState run, String stepId, int attempt) throws Exception {
        beforeCall.accept(stepId, attempt);
        try {
            return send(run, stepId, attempt);
        } catch (java.io.IOException unreachable) {
            run.calls.add(new Call(stepId, attempt, 0, List.of(), null, null));
            Thread.sleep(connectionRetryDelay.toMillis());
            return new Response(503, JSON.nullNode(), "false", null);
        }
    }

    private Response send(RunState run, String stepId, int attempt) throws Exception {
        ObjectNode body = run.body(stepId, attempt, maxAttempts);
        byte[] bytes = new JsonCanonicalizer(JSON.writeValueAsString(body)).getEncodedUTF8();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(serveUrl + "?fnId=" + fnId + "&stepId=" + stepId))
                .timeout(Duration.ofMinutes(6))
                .header("Content-Type", "application/json")
                .header("X-Inngest-Server-Kind", signingKey.isPresent() ? "cloud" : "dev")
                .header("X-Run-ID", run.runId)
                .header("X-Inngest-Req-Version", Integer.toString(run.version))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        signingKey.ifPresent(key -> request.header("X-Inngest-Signature",
                Signatures.header(key, bytes, System.currentTimeMillis() / 1000)));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.headers().firstValue("x-inngest-sdk").isEmpty()) {
            throw new AssertionError("answer without X-Inngest-SDK: the server would reject it");
        }
        signingKey.ifPresent(key -> Conformance.assertResponseSigned(response, key));
        response.headers().firstValue("x-inngest-req-version").ifPresent(v -> run.version = Integer.parseInt(v));
        JsonNode json = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        List<String> ops = new ArrayList<>();
        if (response.statusCode() == 206) {
            json.forEach(op -> ops.add(op.path("op").asText()));
        }
        String noRetry = response.headers().firstValue("x-inngest-no-retry").orElse(null);
        String retryAfter = response.headers().firstValue("retry-after").orElse(null);
        run.calls.add(new Call(stepId, attempt, response.statusCode(), ops, noRetry, retryAfter));
        return new Response(response.statusCode(), json, noRetry, retryAfter);
    }

    /** The run's state as the executor keeps it. */
    private static final class RunState {
        final String runId = "01EMU" + UUID.randomUUID().toString().replace("-", "").substring(0, 21).toUpperCase();
        final ObjectNode event;
        final Map<String, JsonNode> steps = Collections.synchronizedMap(new LinkedHashMap<>());
        final List<String> stack = Collections.synchronizedList(new ArrayList<>());
        final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        volatile boolean disableImmediateExecution;
        volatile Response settledBy;
        volatile int version = -1;

        RunState(String name, JsonNode data) {
            event = JSON.createObjectNode();
            event.put("name", name);
            event.set("data", data);
            event.put("id", "01EVT" + UUID.randomUUID().toString().replace("-", "").substring(0, 21).toUpperCase());
            event.put("ts", System.currentTimeMillis());
            event.putObject("user");
        }

        void memoise(String hash, JsonNode state) {
            synchronized (steps) {
                steps.put(hash, state);
                stack.add(hash);
            }
        }

        ObjectNode body(String stepId, int attempt, int maxAttempts) {
            ObjectNode body = JSON.createObjectNode();
            body.set("event", event);
            body.putArray("events").add(event);
            ObjectNode memo = body.putObject("steps");
            ArrayNode stackNode;
            synchronized (steps) {
                steps.forEach(memo::set);
                stackNode = JSON.valueToTree(new ArrayList<>(stack));
            }
            ObjectNode ctx = body.putObject("ctx");
            ctx.put("run_id", runId);
            ctx.put("env", "test");
            ctx.put("step_id", stepId);
            ctx.put("attempt", attempt);
            ctx.put("max_attempts", maxAttempts);
            ctx.putObject("stack").<ObjectNode>set("stack", stackNode).put("current", stackNode.size());
            ctx.put("disable_immediate_execution", disableImmediateExecution);
            ctx.put("use_api", false);
            body.put("version", version);
            body.put("use_api", false);
            return body;
        }

        Run finish(String status, JsonNode output) {
            return new Run(status, output, List.copyOf(calls), Map.copyOf(steps));
        }
    }
}
