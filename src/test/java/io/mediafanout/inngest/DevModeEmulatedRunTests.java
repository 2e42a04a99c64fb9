package io.mediafanout.inngest;

import java.util.Optional;

import io.mediafanout.testing.ReferenceAppProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(ReferenceAppProfile.class)
class DevModeEmulatedRunTests extends EmulatedRunContract {

    @Override
    Optional<String> signingKey() {
        return Optional.empty();
    }
}
