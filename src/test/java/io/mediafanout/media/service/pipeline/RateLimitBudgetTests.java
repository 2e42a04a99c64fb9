package io.mediafanout.media.service.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.mediafanout.inngest.Throttle;

/** The step budget with rate-limit waits, and the pace the Ittybit plan's rate becomes. */
class RateLimitBudgetTests {

    @Test
    void eachRateLimitWaitCostsTwoStepsPerBranchAndTheDefaultsFitInngestsThousand() {
        assertThat(BranchFlow.mostSteps(28, 0)).isEqualTo(4 * 4 * 57 + 2);
        assertThat(BranchFlow.mostSteps(28, 10)).isEqualTo(BranchFlow.mostSteps(28, 0) + 4 * 2 * 10).isEqualTo(994);
        BranchFlow.checkStepBudget(28, 10);
        BranchFlow.checkStepBudget(30, 2);
    }

    @Test
    void readsAndWaitsThatCouldPassInngestsStepLimitStopTheStartNamingBoth() {
        assertThatThrownBy(() -> BranchFlow.checkStepBudget(30, 10)).hasMessageContaining("media.ittybit.poll.max-reads")
                .hasMessageContaining("media.ittybit.rate-limit.max-waits").hasMessageContaining("1058");
    }

    @Test
    void thePlansRateBecomesAThrottleOfRunStartsOfAtMostThatManyCreatesASecond() {
        assertThat(FanoutFunction.pace(10)).isEqualTo(Throttle.of(10, Duration.ofSeconds(4)));
        assertThat(FanoutFunction.pace(2.5)).isEqualTo(Throttle.of(2, Duration.ofSeconds(4)));
        assertThat(FanoutFunction.pace(1)).isEqualTo(Throttle.of(1, Duration.ofSeconds(4)));
        assertThat(FanoutFunction.pace(0.3)).isEqualTo(Throttle.of(1, Duration.ofSeconds(14)));
        for (double rate : new double[] { 0.001, 0.3, 1, 2.5, 10, 77.7, 1000 }) {
            Throttle pace = FanoutFunction.pace(rate);
            double createsPerSecond = 4.0 * pace.limit() / pace.period().toSeconds();
            assertThat(createsPerSecond).as("creates a second at " + rate).isLessThanOrEqualTo(rate)
                    .isGreaterThan(rate / 2);
            assertThat(pace.key()).isEqualTo(Optional.empty());
        }
    }
}
