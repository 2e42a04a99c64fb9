package io.mediafanout.inngest;

import java.util.Map;

import io.mediafanout.testing.ReferenceAppProfile;

/**
 * The reference app in cloud mode with the serve settings a production service may have, for
 * {@code KeyRotationTests}, {@code AdmissionRouteTests} and {@code ServeBodyLimitTests} in one application start: a
 * current and a previous signing key (rotation), its public origin, admission limits of one call at a time and one
 * waiting, with short waits ({@code inngest.admission.*}), and a serve body limit of 1 MiB
 * ({@code inngest.serve.max-body-size}, below the 8 MiB of the application's other routes). The limits change nothing
 * for calls made one after the other with small bodies (the rotation tests'), and the keys nothing for admission,
 * which comes before a body, and so its signature, is read.
 */
public class CloudServeProfile extends ReferenceAppProfile {

    public static final String CURRENT_KEY = "signkey-prod-" + "1".repeat(64);
    public static final String PREVIOUS_KEY = "signkey-prod-" + "2".repeat(64);
    /** {@code inngest.serve.max-body-size}, in bytes. */
    public static final int MAX_BODY_SIZE = 1024 * 1024;

    @Override
    protected Map<String, String> extra() {
        return Map.of("inngest.dev", "0", "inngest.signing-key", CURRENT_KEY, "inngest.signing-key-fallback",
                PREVIOUS_KEY, "inngest.serve-origin", "https://media.example.com",
                "inngest.admission.max-calls", "1", "inngest.admission.queue", "1",
                "inngest.admission.max-wait", "PT2S", "inngest.admission.body-timeout", "PT6S",
                "inngest.serve.max-body-size", Integer.toString(MAX_BODY_SIZE));
    }
}
