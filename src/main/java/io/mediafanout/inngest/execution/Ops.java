package io.mediafanout.inngest.execution;

import java.util.List;
import java.util.OptionalLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.NonRetriableException;
import io.mediafanout.inngest.RetryAfterException;
import io.mediafanout.inngest.StepFailedException;

/**
 * The JSON of answers, as the official TypeScript SDK writes it (PROTOCOL §3.3, §3.4): reported ops, step outcomes,
 * function outcomes and serialised errors. Java class names and stack traces stay in our logs.
 */
public final class Ops {

    private final ObjectMapper json;

    public Ops(ObjectMapper json) {
        this.json = json;
    }

    /** {@code 206} with every op, each as reported while it has no state. */
    ExecutionResult report(List<StepOp> ops) {
        ArrayNode array = json.createArrayNode();
        for (StepOp op : ops) {
            ObjectNode node = array.addObject();
            node.put("displayName", op.id().userId());
            node.put("op", op.kind().reportedOp());
            node.put("id", op.id().hash());
            node.put("name", op.name());
            node.set("opts", op.opts().deepCopy());
            userland(node, op);
            node.putNull("data");
        }
        return ExecutionResult.of(206, array, reportLabel(ops));
    }

    /** The metric label of a report: {@code StepPlanned} when it plans a step, else its first pause's op. */
    private static String reportLabel(List<StepOp> ops) {
        return ops.stream().anyMatch(op -> op.kind().runnable()) ? "StepPlanned" : ops.get(0).kind().reportedOp();
    }

    /** {@code 206 [StepRun]}: the step ran and returned {@code item}. */
    ExecutionResult stepRun(StepOp op, Object item, Timing timing) {
        ObjectNode node = outcome(op, "StepRun");
        node.set("data", item == null ? NullNode.instance : json.valueToTree(item));
        timing.write(node);
        return ExecutionResult.of(206, json.createArrayNode().add(node), "StepRun");
    }

    /** {@code 206 [StepError]} (Inngest retries) or, when {@code fin}, {@code 206 [StepFailed]}. */
    ExecutionResult stepError(StepOp op, Throwable failure, boolean fin, Timing timing) {
        ObjectNode error = error(failure);
        ObjectNode node = outcome(op, fin ? "StepFailed" : "StepError");
        node.set("error", error);
        timing.write(node);
        if (fin) {
            node.putObject("data").put("__serialized", true).put("name", error.path("name").asText())
                    .put("message", error.path("message").asText()).put("stack", "");
        } else {
            node.putNull("data");
        }
        return new ExecutionResult(206, json.createArrayNode().add(node), fin, retryAfter(failure),
                fin ? "StepFailed" : "StepError");
    }

    /** {@code 200} with the return value, or the error: {@code 400} when final, {@code 500} when Inngest retries. */
    ExecutionResult functionOutcome(Object result, Throwable failure, boolean fin) {
        if (failure == null) {
            return ExecutionResult.of(200, result == null ? NullNode.instance : json.valueToTree(result), "complete");
        }
        return new ExecutionResult(fin ? 400 : 500, error(failure), fin, retryAfter(failure), "error");
    }

    /** {@code 500}: the requested step was not reached; Inngest retries the call. */
    ExecutionResult stepNotFound(String target, List<StepOp> found) {
        ArrayNode foundSteps = json.createArrayNode();
        for (StepOp op : found) {
            foundSteps.addObject().put("id", op.id().hash()).put("name", op.name())
                    .put("displayName", op.id().userId());
        }
        ObjectNode body = json.createObjectNode();
        body.put("error", "Could not find step \"" + target + "\" to run; the function settled without reaching it");
        body.put("requestedStep", target);
        body.set("foundSteps", foundSteps);
        body.put("totalFoundSteps", found.size());
        return new ExecutionResult(500, body, false, OptionalLong.empty(), "StepNotFound");
    }

    /** The error as the SDKs serialise it; a memoised error keeps the stack Inngest recorded. */
    ObjectNode error(Throwable failure) {
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

    private ObjectNode outcome(StepOp op, String opName) {
        ObjectNode node = json.createObjectNode();
        node.put("id", op.id().hash());
        node.put("op", opName);
        node.put("name", op.name());
        node.set("opts", op.opts().deepCopy());
        node.put("displayName", op.id().userId());
        userland(node, op);
        return node;
    }

    private static void userland(ObjectNode node, StepOp op) {
        ObjectNode userland = node.putObject("userland").put("id", op.id().userId());
        if (op.id().index() > 0) {
            userland.put("index", op.id().index());
        }
    }

    private static OptionalLong retryAfter(Throwable failure) {
        return failure instanceof RetryAfterException retry ? OptionalLong.of(retry.retryAfterSeconds())
                : OptionalLong.empty();
    }

    /** When a step body started and how long it took ({@code timing: {a: start ns, b: duration ns}}). */
    record Timing(long startedEpochMillis, long startedNanos) {
        static Timing start() {
            return new Timing(System.currentTimeMillis(), System.nanoTime());
        }

        void write(ObjectNode node) {
            node.putObject("timing").put("a", startedEpochMillis * 1_000_000L).put("b", System.nanoTime() - startedNanos);
        }
    }

    /** Reads a memoised value as {@code type}. */
    <T> T read(JsonNode value, Class<T> type) throws Exception {
        return value == null || value.isNull() ? null : json.treeToValue(value, type);
    }
}
