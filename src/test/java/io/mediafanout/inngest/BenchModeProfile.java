package io.mediafanout.inngest;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The packaged jar in benchmark and conformance mode ({@code mediafanout.bench-function=true}): the bench twin of
 * the fan-out function, {@code durable-branches} and {@code repeat-demo}, instead of the media pipeline.
 */
public class BenchModeProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        config.put("mediafanout.bench-function", "true");
        config.putAll(extra());
        return config;
    }

    protected Map<String, String> extra() {
        return Map.of();
    }

    /** The same in signed cloud mode, with an event key for {@code step.sendEvent}. */
    public static class Cloud extends BenchModeProfile {
        @Override
        protected Map<String, String> extra() {
            return Map.of("inngest.dev", "0", "inngest.signing-key", CloudModeProfile.SIGNING_KEY,
                    "inngest.event-key", "evtkey-bench-mode-test");
        }
    }
}
