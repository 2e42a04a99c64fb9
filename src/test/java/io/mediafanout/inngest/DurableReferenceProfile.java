package io.mediafanout.inngest;

import java.util.Map;

/**
 * The app as the TypeScript reference app of scenario W (transcripts 60–73) was: bench mode with only
 * {@code durable-branches} (the bench twin of the fan-out function and {@code repeat-demo} left out).
 */
public class DurableReferenceProfile extends BenchModeProfile {

    @Override
    protected Map<String, String> extra() {
        return Map.of("quarkus.arc.exclude-types",
                "io.mediafanout.bench.BenchFunction,io.mediafanout.bench.RepeatDemoFunction");
    }
}
