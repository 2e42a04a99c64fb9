package io.mediafanout.it;

import java.util.Map;

import io.mediafanout.testing.TestApiKey;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * What the packaged jar (production profile) needs to run against the test fakes: dev mode allowed, the test API key.
 * A test resource rather than a test profile, so that an integration test using it also trains the JDK 25 AOT cache
 * ({@code -Dquarkus.package.jar.aot.enabled=true}: Quarkus records only runs without a test profile).
 */
public class PackagedDevMode implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("inngest.dev", "1", "inngest.allow-dev-mode-in-prod", "true", "media.api.keys", TestApiKey.CONFIG);
    }

    @Override
    public void stop() {
    }
}
