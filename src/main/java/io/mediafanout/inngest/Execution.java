package io.mediafanout.inngest;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * One call request: replays the function from the top against the memoised steps, then decides what to answer
 * (the classic protocol, PROTOCOL §4.4):
 * <ul>
 * <li>targeted call ({@code stepId=<hash>}): run exactly that step, answer {@code 206 [StepRun|StepError|StepFailed]};
 * <li>discovery ({@code stepId=step}): the function returned ⇒ 200; it threw ⇒ 500/400; one new step and immediate
 * execution allowed ⇒ run it; otherwise ⇒ 206 with every new step as {@code StepPlanned}.
 * </ul>
 * Memoised steps resolve synchronously when subscribed, so every parallel branch reaches its first new step before
 * the decision, which is taken on the next turn of the request's event loop after the last activity.
 */
final class Execution implements Step {

    /** A step the function reached that has no memoised state. */
    private static final class FoundStep {
        final StepIds.Resolved id;
        final Supplier<? extends Uni<?>> body;
        boolean started;
        long startedEpochMillis;
        long startedNanos;
        ExecutionResult outcome;

        FoundStep(StepIds.Resolved id, Supplier<? extends Uni<?>> body) {
            this.id = id;
            this.body = body;
        }
    }

    private final InngestFunctions.Served function;
    private final RunRequest request;
    private final String target;
    private final ObjectMapper json;
    private final Executor scheduler;
    private final StepIds ids = new StepIds();
    private final List<FoundStep> found = new ArrayList<>();

    private UniEmitter<? super ExecutionResult> emitter;
    private Cancellable functionSubscription;
    private FoundStep immediate;
    private boolean functionDone;
    private Object functionResult;
    private Throwable functionFailure;
    private boolean decided;
    private boolean decisionPending;

    /**
     * @param target the hashed step id to run, or null for a discovery call
     * @param scheduler runs a task on a later turn of the request's event loop
     */
    Execution(InngestFunctions.Served function, RunRequest request, String target, ObjectMapper json,
            Executor scheduler) {
        this.function = function;
        this.request = request;
        this.target = target;
        this.json = json;
        this.scheduler = scheduler;
    }

    Uni<ExecutionResult> run() {
        return Uni.createFrom().emitter(em -> {
            synchronized (this) {
                this.emitter = em;
            }
            em.onTermination(this::cancelFunction);
            FunctionContext context = new FunctionContext(function.compositeId(), request.event(), request.events(),
                    request.runId(), request.attempt(), request.maxAttempts());
            Uni<?> body;
            try {
                body = function.handler().handle(context, this);
            } catch (Throwable t) {
                body = Uni.createFrom().failure(t);
            }
            if (body == null) {
                body = Uni.createFrom().nullItem();
            }
            Cancellable subscription = body.subscribe().with(this::onFunctionItem, this::onFunctionFailure);
            synchronized (this) {
                functionSubscription = subscription;
            }
            scheduleDecision();
        });
    }

    @Override
    public <T> Uni<T> run(String id, Class<T> type, Supplier<Uni<T>> body) {
        return Uni.createFrom().deferred(() -> reach(id, type, body));
    }

    private <T> Uni<T> reach(String id, Class<T> type, Supplier<Uni<T>> body) {
        StepIds.Resolved resolved;
        RunRequest.Memo memo;
        synchronized (this) {
            resolved = ids.resolve(id);
            memo = request.steps().get(resolved.hash());
            if (memo == null) {
                found.add(new FoundStep(resolved, body));
            }
        }
        if (memo instanceof RunRequest.Data data) {
            try {
                JsonNode value = data.value();
                return Uni.createFrom().item(value == null || value.isNull() ? null : json.treeToValue(value, type));
            } catch (Exception e) {
                return Uni.createFrom().failure(new NonRetriableException(
                        "the memoised result of step \"" + id + "\" cannot be read as " + type.getSimpleName()));
            }
        }
        if (memo instanceof RunRequest.Failure failure) {
            return Uni.createFrom().failure(
                    new StepFailedException(id, failure.name(), failure.message(), failure.stack()));
        }
        scheduleDecision();
        // this branch waits here: the step runs in its own call, or in this one once the decision is taken
        return Uni.createFrom().nothing();
    }

    private void onFunctionItem(Object item) {
        synchronized (this) {
            functionDone = true;
            functionResult = item;
        }
        scheduleDecision();
    }

    private void onFunctionFailure(Throwable failure) {
        synchronized (this) {
            functionDone = true;
            functionFailure = failure;
        }
        scheduleDecision();
    }

    private void scheduleDecision() {
        synchronized (this) {
            if (decided || decisionPending) {
                return;
            }
            decisionPending = true;
        }
        scheduler.execute(this::decide);
    }

    private void decide() {
        ExecutionResult result;
        FoundStep toRun = null;
        UniEmitter<? super ExecutionResult> em;
        synchronized (this) {
            decisionPending = false;
            if (decided) {
                return;
            }
            result = evaluate();
            if (result == null) {
                toRun = startableStep();
                if (toRun == null) {
                    return;
                }
                toRun.started = true;
            } else {
                decided = true;
            }
            em = emitter;
        }
        if (toRun != null) {
            runStep(toRun);
            return;
        }
        em.complete(result);
    }

    /** The answer, if the call has settled; null while waiting. Caller holds the lock. */
    private ExecutionResult evaluate() {
        if (target != null) {
            FoundStep step = findTarget();
            if (step != null) {
                return step.outcome;
            }
            if (functionDone) {
                return functionOutcome();
            }
            // every branch stopped at other new steps: the requested one is not reachable
            return found.isEmpty() ? null : stepNotFound();
        }
        if (immediate != null) {
            return immediate.outcome;
        }
        if (functionDone) {
            return found.isEmpty() ? functionOutcome() : planned();
        }
        if (found.isEmpty()) {
            return null;
        }
        if (found.size() == 1 && !request.disableImmediateExecution()) {
            immediate = found.get(0);
            return null;
        }
        return planned();
    }

    private FoundStep startableStep() {
        FoundStep step = target != null ? findTarget() : immediate;
        return step != null && !step.started ? step : null;
    }

    private FoundStep findTarget() {
        for (FoundStep step : found) {
            if (step.id.hash().equals(target)) {
                return step;
            }
        }
        return null;
    }

    private void runStep(FoundStep step) {
        step.startedEpochMillis = System.currentTimeMillis();
        step.startedNanos = System.nanoTime();
        Uni<?> body;
        try {
            body = step.body.get();
        } catch (Throwable t) {
            body = Uni.createFrom().failure(t);
        }
        if (body == null) {
            body = Uni.createFrom().nullItem();
        }
        body.subscribe().with(item -> onStepDone(step, item, null), failure -> onStepDone(step, null, failure));
    }

    private void onStepDone(FoundStep step, Object item, Throwable failure) {
        ExecutionResult outcome;
        try {
            outcome = failure == null ? stepRun(step, item) : stepError(step, failure);
        } catch (RuntimeException e) {
            outcome = stepError(step, new NonRetriableException("the step's result cannot be serialised as JSON", e));
        }
        synchronized (this) {
            step.outcome = outcome;
        }
        scheduleDecision();
    }

    private void cancelFunction() {
        Cancellable subscription;
        synchronized (this) {
            decided = true;
            subscription = functionSubscription;
        }
        if (subscription != null) {
            subscription.cancel();
        }
    }

    // ---- answers -------------------------------------------------------------------------------------------------

    private ObjectNode op(StepIds.Resolved id, String opName) {
        ObjectNode op = json.createObjectNode();
        op.put("id", id.hash());
        op.put("op", opName);
        op.put("name", id.userId());
        op.putObject("opts");
        op.put("displayName", id.userId());
        ObjectNode userland = op.putObject("userland").put("id", id.userId());
        if (id.index() > 0) {
            userland.put("index", id.index());
        }
        return op;
    }

    private ExecutionResult planned() {
        ArrayNode ops = json.createArrayNode();
        for (FoundStep step : found) {
            ops.add(op(step.id, "StepPlanned").putNull("data"));
        }
        return ExecutionResult.of(206, ops, "StepPlanned");
    }

    private ExecutionResult stepRun(FoundStep step, Object item) {
        ObjectNode op = op(step.id, "StepRun");
        op.set("data", item == null ? NullNode.instance : json.valueToTree(item));
        timing(op, step);
        return ExecutionResult.of(206, json.createArrayNode().add(op), "StepRun");
    }

    private ExecutionResult stepError(FoundStep step, Throwable failure) {
        boolean fin = isFinal(failure);
        ObjectNode error = serialize(failure);
        ObjectNode op = op(step.id, fin ? "StepFailed" : "StepError");
        op.set("error", error);
        timing(op, step);
        if (fin) {
            op.putObject("data").put("__serialized", true).put("name", error.path("name").asText())
                    .put("message", error.path("message").asText()).put("stack", "");
        } else {
            op.putNull("data");
        }
        Log.warnf("Step \"%s\" of %s failed (run %s, attempt %d)%s: %s", step.id.userId(),
                function.compositeId(), request.runId(), request.attempt(), fin ? ", no retry" : "",
                failure.getMessage());
        Log.debug("Step failure", failure);
        return new ExecutionResult(206, json.createArrayNode().add(op), fin, retryAfter(failure),
                fin ? "StepFailed" : "StepError");
    }

    private void timing(ObjectNode op, FoundStep step) {
        op.putObject("timing").put("a", step.startedEpochMillis * 1_000_000L)
                .put("b", System.nanoTime() - step.startedNanos);
    }

    private ExecutionResult functionOutcome() {
        if (functionFailure == null) {
            return ExecutionResult.of(200, functionResult == null ? NullNode.instance : json.valueToTree(functionResult),
                    "complete");
        }
        boolean fin = isFinal(functionFailure) || functionFailure instanceof StepFailedException;
        if (!(functionFailure instanceof StepFailedException)) {
            Log.warnf(functionFailure, "Function %s failed (run %s, attempt %d)%s", function.compositeId(),
                    request.runId(), request.attempt(), fin ? ", no retry" : "");
        }
        return new ExecutionResult(fin ? 400 : 500, serialize(functionFailure), fin, retryAfter(functionFailure),
                "error");
    }

    private ExecutionResult stepNotFound() {
        ArrayNode foundSteps = json.createArrayNode();
        for (FoundStep step : found) {
            foundSteps.addObject().put("id", step.id.hash()).put("name", step.id.userId())
                    .put("displayName", step.id.userId());
        }
        ObjectNode body = json.createObjectNode();
        body.put("error", "Could not find step \"" + target + "\" to run; the function settled without reaching it");
        body.put("requestedStep", target);
        body.set("foundSteps", foundSteps);
        body.put("totalFoundSteps", found.size());
        return new ExecutionResult(500, body, false, OptionalLong.empty(), "StepNotFound");
    }

    private boolean isFinal(Throwable failure) {
        return failure instanceof NonRetriableException || request.isLastAttempt();
    }

    private static OptionalLong retryAfter(Throwable failure) {
        return failure instanceof RetryAfterException retry ? OptionalLong.of(retry.retryAfterSeconds())
                : OptionalLong.empty();
    }

    /**
     * The error as the SDKs serialise it. Java class names and stack traces stay in our logs; a memoised error
     * keeps the stack Inngest recorded.
     */
    private ObjectNode serialize(Throwable failure) {
        ObjectNode error = json.createObjectNode();
        String name;
        String stack = null;
        if (failure instanceof StepFailedException stepFailure) {
            name = stepFailure.errorName();
            stack = stepFailure.errorStack();
        } else if (failure instanceof NonRetriableException) {
            name = "NonRetriableError";
        } else if (failure instanceof RetryAfterException) {
            name = "RetryAfterError";
        } else {
            name = "Error";
        }
        error.put("name", name == null || name.isBlank() ? "Error" : name);
        String message = failure.getMessage();
        error.put("message", message == null || message.isBlank() ? "unexpected error" : message);
        if (stack != null && !stack.isEmpty()) {
            error.put("stack", stack);
        }
        error.put("__serialized", true);
        return error;
    }
}
