package io.mediafanout.inngest;

import java.util.Optional;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(BenchModeProfile.class)
class DevModeBenchRunTests extends BenchModeRunContract {

    @Override
    Optional<String> signingKey() {
        return Optional.empty();
    }
}
