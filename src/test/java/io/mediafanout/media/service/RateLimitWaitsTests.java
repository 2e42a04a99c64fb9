package io.mediafanout.media.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class RateLimitWaitsTests {

    private static final Duration CAP = Duration.ofMinutes(5);

    @Test
    void theSleepIsTheSameOnEveryReplayAndBetweenTheWaitAskedAndOneAndAHalfTimesIt() {
        for (int run = 0; run < 200; run++) {
            Duration sleep = RateLimitWaits.sleep(Duration.ofSeconds(3), CAP, "run-" + run, "poster-image", 1);
            assertThat(sleep).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(4))
                    .isEqualTo(RateLimitWaits.sleep(Duration.ofSeconds(3), CAP, "run-" + run, "poster-image", 1));
            assertThat(RateLimitWaits.sleep(Duration.ofSeconds(60), CAP, "run-" + run, "deliver", 2))
                    .isBetween(Duration.ofSeconds(60), Duration.ofSeconds(90));
        }
    }

    @Test
    void runsLimitedTogetherComeBackAtDifferentTimes() {
        Set<Duration> sleeps = new HashSet<>();
        for (int run = 0; run < 100; run++) {
            sleeps.add(RateLimitWaits.sleep(Duration.ofSeconds(20), CAP, "run-" + run, "gif-preview", 1));
        }
        assertThat(sleeps).as("distinct sleeps of 100 runs asked to wait 20 s").hasSizeGreaterThan(5);
    }

    @Test
    void runsToldToWaitASecondDoNotAllComeBackInTheSameSecond() {
        // a 429 without Retry-After is read as one second: a burst of them must spread too
        Set<Duration> sleeps = new HashSet<>();
        for (int run = 0; run < 100; run++) {
            sleeps.add(RateLimitWaits.sleep(Duration.ofSeconds(1), CAP, "run-" + run, "hls-package", 1));
        }
        assertThat(sleeps).containsExactlyInAnyOrder(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    @Test
    void theLongestSleepIsTheLongestAnyRunGets() {
        for (Duration cap : java.util.List.of(Duration.ofSeconds(1), Duration.ofSeconds(3), CAP)) {
            Duration longest = Duration.ZERO;
            for (int run = 0; run < 300; run++) {
                Duration sleep = RateLimitWaits.sleep(Duration.ofHours(1), cap, "run-" + run, "gif-preview", 1);
                longest = sleep.compareTo(longest) > 0 ? sleep : longest;
            }
            assertThat(longest).as("cap " + cap).isEqualTo(RateLimitWaits.longest(cap));
        }
    }

    @Test
    void aLongRetryAfterIsCappedAndAnImmediateOneStillSleepsASecond() {
        assertThat(RateLimitWaits.sleep(Duration.ofHours(2), CAP, "r", "hls-package", 1))
                .isBetween(CAP, CAP.multipliedBy(3).dividedBy(2));
        assertThat(RateLimitWaits.sleep(Duration.ZERO, CAP, "r", "hls-package", 1))
                .isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
        // whole seconds, rounded up: 2 s, plus up to half of it
        assertThat(RateLimitWaits.sleep(Duration.ofMillis(1_200), CAP, "r", "hls-package", 1))
                .isBetween(Duration.ofSeconds(2), Duration.ofSeconds(3));
    }
}
