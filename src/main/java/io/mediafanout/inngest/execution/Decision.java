package io.mediafanout.inngest.execution;

import java.util.List;

/**
 * The decision table of one call request (PROTOCOL §4.4), free of I/O: given what the replay has found so far, what
 * the engine does next. Taken each time the function stalls (every live branch waits on a new step) or settles.
 * <ul>
 * <li>targeted call ({@code stepId=<hash>}): run exactly that step and answer its outcome; the function returned
 * first ⇒ its outcome; every branch stopped at other new steps ⇒ step not found;
 * <li>discovery ({@code stepId=step}): the function settled ⇒ its outcome (200, or 500/400), unless it left new steps
 * behind ⇒ report them; exactly one new step, runnable here ({@code step.run}, {@code step.sendEvent}) and immediate
 * execution allowed ⇒ run it now and answer its outcome; otherwise ⇒ report every new op ({@code StepPlanned} for
 * runnable steps; {@code WaitForEvent}, {@code Sleep} as they are: Inngest holds those).
 * </ul>
 */
final class Decision {

    private Decision() {
    }

    /** A new step the replay reached: whether this process can run it, and how far it got. */
    record Found(boolean runnable, boolean started, boolean finished) {
    }

    /**
     * A snapshot of the call.
     *
     * @param targeted whether Inngest asked for one step
     * @param target index in {@code found} of the requested step, -1 while not reached
     * @param immediate index in {@code found} of the step chosen for immediate execution, -1 if none
     * @param found the new steps, in the order they were reached
     * @param functionDone whether the function returned or threw
     * @param disableImmediateExecution {@code ctx.disable_immediate_execution}
     */
    record State(boolean targeted, int target, int immediate, List<Found> found, boolean functionDone,
            boolean disableImmediateExecution) {
    }

    enum Kind {
        /** Nothing to decide yet: a step or the function is still working. */
        WAIT,
        /** Start the step at {@link Action#step()}. */
        RUN,
        /** Answer the outcome of the step at {@link Action#step()}. */
        ANSWER_STEP,
        /** Answer the function's return value or error. */
        ANSWER_FUNCTION,
        /** Answer 206 with every new op. */
        REPORT,
        /** The requested step cannot be reached. */
        STEP_NOT_FOUND
    }

    record Action(Kind kind, int step) {
        static Action of(Kind kind) {
            return new Action(kind, -1);
        }
    }

    static Action decide(State s) {
        List<Found> found = s.found();
        if (s.targeted()) {
            if (s.target() >= 0) {
                return progress(found.get(s.target()), s.target());
            }
            if (s.functionDone()) {
                return Action.of(Kind.ANSWER_FUNCTION);
            }
            return Action.of(found.isEmpty() ? Kind.WAIT : Kind.STEP_NOT_FOUND);
        }
        if (s.immediate() >= 0) {
            return progress(found.get(s.immediate()), s.immediate());
        }
        if (s.functionDone()) {
            return Action.of(found.isEmpty() ? Kind.ANSWER_FUNCTION : Kind.REPORT);
        }
        if (found.isEmpty()) {
            return Action.of(Kind.WAIT);
        }
        if (found.size() == 1 && found.get(0).runnable() && !s.disableImmediateExecution()) {
            return new Action(Kind.RUN, 0);
        }
        return Action.of(Kind.REPORT);
    }

    private static Action progress(Found step, int index) {
        if (step.finished()) {
            return new Action(Kind.ANSWER_STEP, index);
        }
        return step.started() ? Action.of(Kind.WAIT) : new Action(Kind.RUN, index);
    }
}
