package io.mediafanout.inngest;

import java.util.Optional;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The same runs with signed requests and verified response signatures. */
@QuarkusTest
@TestProfile(CloudModeProfile.class)
class CloudModeEmulatedRunTests extends EmulatedRunContract {

    @Override
    Optional<String> signingKey() {
        return Optional.of(CloudModeProfile.SIGNING_KEY);
    }
}
