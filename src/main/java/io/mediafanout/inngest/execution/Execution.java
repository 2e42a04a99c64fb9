package io.mediafanout.inngest.execution;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.FunctionContext;
import io.mediafanout.inngest.NonRetriableException;
import io.mediafanout.inngest.ParallelMode;
import io.mediafanout.inngest.StepFailedException;
import io.mediafanout.inngest.serve.InngestFunctions;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * The engine of one call request: replays the function from the top against the memoised steps, collects the new
 * steps it reaches, and applies the {@link Decision} table each time the function stalls or settles, running at most
 * one step body. {@link StepTools} is what the function calls; {@link Ops} writes the answer.
 * <p>
 * Memoised steps resolve synchronously when subscribed, so every parallel branch reaches its first new step before
 * the decision, which is taken on the next turn of the request's event loop after the last activity.
 */
public final class Execution {

    /** A step the function reached that has no memoised state. */
    private static final class FoundStep {
        final StepOp op;
        final Supplier<? extends Uni<?>> body;
        boolean started;
        Ops.Timing timing;
        ExecutionResult outcome;

        FoundStep(StepOp op, Supplier<? extends Uni<?>> body) {
            this.op = op;
            this.body = body;
        }
    }

    private final InngestFunctions.Served function;
    private final RunRequest request;
    private final String target;
    private final Ops ops;
    private final Executor scheduler;
    private final StepTools tools;
    private final StepIds ids = new StepIds();
    private final List<FoundStep> found = new ArrayList<>();

    private UniEmitter<? super ExecutionResult> emitter;
    private Cancellable functionSubscription;
    private int immediate = -1;
    private boolean functionDone;
    private Object functionResult;
    private Throwable functionFailure;
    private boolean decided;
    private boolean decisionPending;
    private boolean decisionDeferred;
    private int memosThisTurn;
    private int memosInFlight;

    /** Memoised states handed to the function synchronously, one after the other, before one comes a turn later. */
    static final int MEMOS_PER_TURN = 64;

    /**
     * @param target the hashed step id to run, or null for a discovery call
     * @param scheduler runs a task on a later turn of the request's event loop
     */
    public Execution(InngestFunctions.Served function, RunRequest request, String target, Ops ops, StepTools.Services services,
            Executor scheduler) {
        this.function = function;
        this.request = request;
        this.target = target;
        this.ops = ops;
        this.scheduler = scheduler;
        this.tools = new StepTools(this, ops, services);
    }

    /** When Inngest calls this function again after a parallel group of its ops. */
    ParallelMode parallelMode() {
        return function.parallelMode();
    }

    public Uni<ExecutionResult> run() {
        return Uni.createFrom().emitter(em -> {
            synchronized (this) {
                this.emitter = em;
            }
            em.onTermination(this::cancelFunction);
            FunctionContext context = new FunctionContext(function.compositeId(), request.event(), request.events(),
                    request.runId(), request.attempt(), request.maxAttempts());
            Uni<?> body;
            try {
                body = function.handler().handle(context, tools);
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

    /**
     * The function reached a step: resolves its id and emits its memoised state; a step without state is recorded
     * (its body runs if the decision says so) and this branch waits for ever.
     */
    Uni<RunRequest.Memo> reach(String userId, StepOp.Kind kind, String name, ObjectNode opts,
            Supplier<? extends Uni<?>> body) {
        RunRequest.Memo memo;
        synchronized (this) {
            StepIds.Resolved resolved = ids.resolve(userId);
            memo = request.steps().get(resolved.hash());
            if (memo == null) {
                found.add(new FoundStep(new StepOp(resolved, kind, name, opts), body));
            }
        }
        if (memo != null) {
            return memoised(memo);
        }
        scheduleDecision();
        // this branch waits here: the step runs in its own call, or in this one once the decision is taken
        return Uni.createFrom().nothing();
    }

    /**
     * A memoised state, handed to the function at once, except every {@value #MEMOS_PER_TURN}th which comes on a later
     * turn: the function's continuation runs inside the previous step's, so a replay of hundreds of sequential steps
     * would otherwise recurse that deep (a 900-step run overflowed the stack). No decision is taken while such a
     * state is on its way.
     */
    private Uni<RunRequest.Memo> memoised(RunRequest.Memo memo) {
        synchronized (this) {
            if (++memosThisTurn < MEMOS_PER_TURN) {
                return Uni.createFrom().item(memo);
            }
            memosThisTurn = 0;
            memosInFlight++;
        }
        return Uni.createFrom().emitter(em -> scheduler.execute(() -> {
            try {
                em.complete(memo);
            } finally {
                boolean decide;
                synchronized (this) {
                    memosInFlight--;
                    decide = memosInFlight == 0 && decisionDeferred;
                    decisionDeferred = false;
                }
                if (decide) {
                    scheduleDecision();
                }
            }
        }));
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
            if (memosInFlight > 0) {
                decisionDeferred = true; // the function has not seen every memoised state yet
                return;
            }
            Decision.Action action = Decision.decide(snapshot());
            switch (action.kind()) {
                case WAIT -> {
                    return;
                }
                case RUN -> {
                    toRun = found.get(action.step());
                    toRun.started = true;
                    if (target == null) {
                        immediate = action.step();
                    }
                    result = null;
                }
                case ANSWER_STEP -> result = found.get(action.step()).outcome;
                case ANSWER_FUNCTION -> result = functionOutcome();
                case REPORT -> result = ops.report(found.stream().map(f -> f.op).toList());
                case STEP_NOT_FOUND -> result = ops.stepNotFound(target, found.stream().map(f -> f.op).toList());
                default -> throw new IllegalStateException("unknown decision " + action);
            }
            if (result != null) {
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

    /** The decision's view of this call. Caller holds the lock. */
    private Decision.State snapshot() {
        List<Decision.Found> views = new ArrayList<>(found.size());
        int targetIndex = -1;
        for (int i = 0; i < found.size(); i++) {
            FoundStep step = found.get(i);
            boolean runnable = step.op.kind().runnable();
            views.add(new Decision.Found(runnable, step.started, step.outcome != null));
            if (target != null && runnable && targetIndex < 0 && step.op.id().hash().equals(target)) {
                targetIndex = i;
            }
        }
        return new Decision.State(target != null, targetIndex, immediate, views, functionDone,
                request.disableImmediateExecution());
    }

    private void runStep(FoundStep step) {
        step.timing = Ops.Timing.start();
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
            outcome = failure == null ? ops.stepRun(step.op, item, step.timing) : stepError(step, failure);
        } catch (RuntimeException e) {
            outcome = stepError(step, new NonRetriableException("the step's result cannot be serialised as JSON", e));
        }
        synchronized (this) {
            step.outcome = outcome;
        }
        scheduleDecision();
    }

    private ExecutionResult stepError(FoundStep step, Throwable failure) {
        boolean fin = isFinal(failure);
        Log.warnf("Step \"%s\" of %s failed (run %s, attempt %d)%s: %s", step.op.id().userId(),
                function.compositeId(), request.runId(), request.attempt(), fin ? ", no retry" : "",
                failure.getMessage());
        Log.debug("Step failure", failure);
        return ops.stepError(step.op, failure, fin, step.timing);
    }

    private ExecutionResult functionOutcome() {
        boolean fin = functionFailure != null
                && (isFinal(functionFailure) || functionFailure instanceof StepFailedException);
        if (functionFailure instanceof NonRetriableException) {
            // an outcome the function chose: its message says it all (the stack of a replay is long and useless)
            Log.warnf("Function %s failed (run %s, attempt %d), no retry: %s", function.compositeId(),
                    request.runId(), request.attempt(), functionFailure.getMessage());
            Log.debug("Function failure", functionFailure);
        } else if (functionFailure != null && !(functionFailure instanceof StepFailedException)) {
            Log.warnf(functionFailure, "Function %s failed (run %s, attempt %d)%s", function.compositeId(),
                    request.runId(), request.attempt(), fin ? ", no retry" : "");
        }
        return ops.functionOutcome(functionResult, functionFailure, fin);
    }

    private boolean isFinal(Throwable failure) {
        return failure instanceof NonRetriableException || request.isLastAttempt();
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
}
