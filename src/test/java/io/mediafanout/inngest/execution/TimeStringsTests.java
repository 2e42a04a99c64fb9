package io.mediafanout.inngest.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/** Durations and instants written as the TypeScript SDK writes them in ops. */
class TimeStringsTests {

    @Test
    void durationsUseTheLargestUnitsFirst() {
        assertThat(TimeStrings.duration(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(TimeStrings.duration(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(TimeStrings.duration(Duration.ofMinutes(90))).isEqualTo("1h30m");
        assertThat(TimeStrings.duration(Duration.ofDays(9).plusSeconds(5))).isEqualTo("1w2d5s");
    }

    @Test
    void subSecondDurationsAreRoundedUpToWholeSeconds() {
        assertThat(TimeStrings.duration(Duration.ofMillis(1))).isEqualTo("1s");
        assertThat(TimeStrings.duration(Duration.ofMillis(1500))).isEqualTo("2s");
        assertThat(TimeStrings.duration(Duration.ZERO)).isEqualTo("1s");
    }

    @Test
    void negativeDurationsAreRefused() {
        assertThatThrownBy(() -> TimeStrings.duration(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void instantsAreIsoWithMillisecondsInUtc() {
        assertThat(TimeStrings.instant(Instant.parse("2026-09-01T10:00:00Z"))).isEqualTo("2026-09-01T10:00:00.000Z");
    }
}
