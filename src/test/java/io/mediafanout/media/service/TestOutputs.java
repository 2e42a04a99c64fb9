package io.mediafanout.media.service;

import java.util.Map;

import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.Outputs;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** {@link OutputOptions} over a configuration of the given settings (and the shipped defaults for the rest). */
public final class TestOutputs {

    private TestOutputs() {
    }

    public static MediaConfig config(Map<String, String> settings) {
        return settings(settings).getConfigMapping(MediaConfig.class);
    }

    private static SmallRyeConfig settings(Map<String, String> settings) {
        return new SmallRyeConfigBuilder().withMapping(MediaConfig.class)
                .withSources(new io.smallrye.config.PropertiesConfigSource(settings, "test", 500)).build();
    }

    public static OutputOptions options(Map<String, String> settings) {
        SmallRyeConfig config = settings(settings);
        return new OutputOptions(config.getConfigMapping(MediaConfig.class), config);
    }

    public static Outputs defaults() {
        return options(Map.of()).defaults();
    }
}
