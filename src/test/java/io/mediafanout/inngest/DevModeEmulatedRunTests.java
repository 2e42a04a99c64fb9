package io.mediafanout.inngest;

import java.util.Optional;

import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class DevModeEmulatedRunTests extends EmulatedRunContract {

    @Override
    Optional<String> signingKey() {
        return Optional.empty();
    }
}
