package io.mediafanout.media.service;

import java.util.Map;

import io.mediafanout.media.config.MediaConfig;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** {@link OutputOptions} over a configuration of the given settings (and the shipped defaults for the rest). */
public final class TestOutputs {

    private TestOutputs() {
    }

    public static MediaConfig config(Map<String, String> settings) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(MediaConfig.class)
                .withSources(new io.smallrye.config.PropertiesConfigSource(settings, "test", 500)).build();
        return config.getConfigMapping(MediaConfig.class);
    }

    public static OutputOptions options(Map<String, String> settings) {
        return new OutputOptions(config(settings));
    }

    public static Outputs defaults() {
        return options(Map.of()).defaults();
    }
}
