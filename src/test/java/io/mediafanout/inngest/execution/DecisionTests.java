package io.mediafanout.inngest.execution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.mediafanout.inngest.execution.Decision.Action;
import io.mediafanout.inngest.execution.Decision.Found;
import io.mediafanout.inngest.execution.Decision.Kind;
import io.mediafanout.inngest.execution.Decision.State;

/** The decision table of a call (PROTOCOL §4.4), without HTTP. */
class DecisionTests {

    private static final Found NEW_RUN = new Found(true, false, false);
    private static final Found RUNNING = new Found(true, true, false);
    private static final Found FINISHED = new Found(true, true, true);
    private static final Found WAIT = new Found(false, false, false);

    private static Action discovery(List<Found> found, boolean functionDone, boolean disableImmediate) {
        return Decision.decide(new State(false, -1, -1, found, functionDone, disableImmediate));
    }

    private static Action targeted(int target, List<Found> found, boolean functionDone) {
        return Decision.decide(new State(true, target, -1, found, functionDone, false));
    }

    @Test
    void discoveryWaitsWhileNothingIsFoundAndTheFunctionRuns() {
        assertThat(discovery(List.of(), false, false).kind()).isEqualTo(Kind.WAIT);
    }

    @Test
    void discoveryOfAFunctionThatReturnedAnswersItsOutcome() {
        assertThat(discovery(List.of(), true, false).kind()).isEqualTo(Kind.ANSWER_FUNCTION);
    }

    @Test
    void aFunctionThatReturnedLeavingNewStepsBehindReportsThem() {
        assertThat(discovery(List.of(NEW_RUN), true, false).kind()).isEqualTo(Kind.REPORT);
    }

    @Test
    void oneNewRunnableStepRunsAtOnceWhenImmediateExecutionIsAllowed() {
        assertThat(discovery(List.of(NEW_RUN), false, false)).isEqualTo(new Action(Kind.RUN, 0));
    }

    @Test
    void oneNewRunnableStepIsReportedWhenImmediateExecutionIsDisabled() {
        assertThat(discovery(List.of(NEW_RUN), false, true).kind()).isEqualTo(Kind.REPORT);
    }

    @Test
    void aLoneWaitOrSleepIsReportedNeverRunHere() {
        assertThat(discovery(List.of(WAIT), false, false).kind()).isEqualTo(Kind.REPORT);
    }

    @Test
    void aWaitNextToTheStepThatCreatesTheTaskIsReportedWithIt() {
        assertThat(discovery(List.of(WAIT, NEW_RUN), false, false).kind()).isEqualTo(Kind.REPORT);
        assertThat(discovery(List.of(NEW_RUN, NEW_RUN), false, false).kind()).isEqualTo(Kind.REPORT);
    }

    @Test
    void theImmediateStepIsAwaitedThenItsOutcomeAnswered() {
        assertThat(Decision.decide(new State(false, -1, 0, List.of(RUNNING), false, false)).kind())
                .isEqualTo(Kind.WAIT);
        assertThat(Decision.decide(new State(false, -1, 0, List.of(FINISHED), false, false)))
                .isEqualTo(new Action(Kind.ANSWER_STEP, 0));
    }

    @Test
    void aTargetedCallRunsTheRequestedStepEvenAmongOthers() {
        assertThat(targeted(1, List.of(WAIT, NEW_RUN, NEW_RUN), false)).isEqualTo(new Action(Kind.RUN, 1));
        assertThat(targeted(1, List.of(WAIT, RUNNING), false).kind()).isEqualTo(Kind.WAIT);
        assertThat(targeted(1, List.of(WAIT, FINISHED), false)).isEqualTo(new Action(Kind.ANSWER_STEP, 1));
    }

    @Test
    void aTargetedCallWhoseStepIsNotReachedAnswersStepNotFound() {
        assertThat(targeted(-1, List.of(WAIT, NEW_RUN), false).kind()).isEqualTo(Kind.STEP_NOT_FOUND);
    }

    @Test
    void aTargetedCallWaitsWhileTheFunctionHasNotStalled() {
        assertThat(targeted(-1, List.of(), false).kind()).isEqualTo(Kind.WAIT);
    }

    @Test
    void aTargetedCallOfAFunctionThatSettledFirstAnswersTheFunctionOutcome() {
        assertThat(targeted(-1, List.of(), true).kind()).isEqualTo(Kind.ANSWER_FUNCTION);
    }
}
