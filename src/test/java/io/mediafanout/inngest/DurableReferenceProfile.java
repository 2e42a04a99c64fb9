package io.mediafanout.inngest;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The app as the TypeScript reference app of scenario W (transcripts 60–73) was: only {@code durable-branches}, the
 * function the jar serves in benchmark mode next to the bench twin of the fan-out function and {@code repeat-demo}.
 */
public class DurableReferenceProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        config.put("mediafanout.bench-function", "true");
        config.put("quarkus.arc.exclude-types",
                "io.mediafanout.bench.BenchFunction,io.mediafanout.bench.RepeatDemoFunction");
        config.putAll(extra());
        return config;
    }

    protected Map<String, String> extra() {
        return Map.of();
    }

    /** The same in cloud mode, with the signing key of the cloud transcripts. */
    public static class Cloud extends DurableReferenceProfile {
        @Override
        protected Map<String, String> extra() {
            return Map.of("inngest.dev", "0", "inngest.signing-key", CloudModeProfile.SIGNING_KEY,
                    "inngest.event-key", "evtkey-durable-reference");
        }
    }
}
