package io.mediafanout.media.config;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/** In production the service refuses to start without the settings it cannot work without. */
@Singleton
public class RequiredSettings {

    void check(@Observes StartupEvent start, MediaConfig config) {
        if (LaunchMode.current() == LaunchMode.NORMAL && config.ittybit().apiKey().isEmpty()) {
            throw new IllegalStateException("ITTYBIT_API_KEY is not set: the pipeline cannot create Ittybit tasks "
                    + "without it (set ITTYBIT_API_KEY, and ITTYBIT_API_URL for an Ittybit-compatible server)");
        }
    }
}
