package io.mediafanout.media.service.pipeline;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Branch settings other than the tests' defaults, in one application start: the production polling schedule
 * ({@code media.ittybit.poll.*}: 2 s doubling to 10 min, 28 reads at most) for {@link DurableBranchScheduleTests},
 * and the poster branch leaving every Ittybit retry to Inngest ({@code media.ittybit.poster-image.retry.max-retries}
 * 0) for {@link BranchRetrySettingsTests}. Neither test depends on the other's setting: the schedule tests make no
 * Ittybit call fail, so no retry comes into play, and the retry test counts calls and tasks, not waits. The Ittybit
 * plan's pace (10 creates a second) is declared for {@link BranchRetrySettingsTests}; no emulator here honours it.
 */
public class BranchSettingsProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("media.ittybit.poll.initial-delay", "PT2S", "media.ittybit.poll.max-delay", "PT10M",
                "media.ittybit.poll.max-reads", "28", "media.ittybit.poster-image.retry.max-retries", "0",
                "media.ittybit.rate-limit.creates-per-second", "10");
    }
}
