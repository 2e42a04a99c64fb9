package io.mediafanout.inngest;

import java.util.Map;

import io.mediafanout.testing.ReferenceAppProfile;

/** Cloud mode: signatures required, with the signing key the cloud transcripts were recorded with. */
public class CloudModeProfile extends ReferenceAppProfile {

    public static final String SIGNING_KEY =
            "signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @Override
    protected Map<String, String> extra() {
        return Map.of("inngest.dev", "0", "inngest.signing-key", SIGNING_KEY);
    }
}
