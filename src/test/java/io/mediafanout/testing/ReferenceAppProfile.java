package io.mediafanout.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The app as the TypeScript reference app was when the transcripts were recorded: only the reference function
 * (same id and step results as the recorded one) instead of the media pipeline's function.
 */
public class ReferenceAppProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.arc.exclude-types",
                "io.mediafanout.media.service.pipeline.FanoutFunction,io.mediafanout.media.service.callbacks.CallbackFunction");
        config.put("mediafanout.test.reference-function", "true");
        config.putAll(extra());
        return config;
    }

    /** More settings for profiles built on this one. */
    protected Map<String, String> extra() {
        return Map.of();
    }
}
