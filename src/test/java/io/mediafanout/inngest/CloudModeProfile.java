package io.mediafanout.inngest;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Cloud mode: signatures required, with the signing key the cloud transcripts were recorded with. */
public class CloudModeProfile implements QuarkusTestProfile {

    public static final String SIGNING_KEY =
            "signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("inngest.dev", "0", "inngest.signing-key", SIGNING_KEY);
    }
}
