package io.mediafanout.inngest;

import java.util.Map;

import io.mediafanout.testing.ReferenceAppProfile;

/**
 * The reference app in cloud mode with the serve settings a production service may have, for
 * {@code KeyRotationTests} and {@code AdmissionRouteTests} in one application start: a current and a previous signing
 * key (rotation), its public origin, and admission limits of one call at a time and one waiting, with short waits
 * ({@code inngest.admission.*}). The limits change nothing for calls made one after the other (the rotation tests'),
 * and the keys nothing for admission, which comes before a body, and so its signature, is read.
 */
public class CloudServeProfile extends ReferenceAppProfile {

    public static final String CURRENT_KEY = "signkey-prod-" + "1".repeat(64);
    public static final String PREVIOUS_KEY = "signkey-prod-" + "2".repeat(64);

    @Override
    protected Map<String, String> extra() {
        return Map.of("inngest.dev", "0", "inngest.signing-key", CURRENT_KEY, "inngest.signing-key-fallback",
                PREVIOUS_KEY, "inngest.serve-origin", "https://media.example.com",
                "inngest.admission.max-calls", "1", "inngest.admission.queue", "1",
                "inngest.admission.max-wait", "PT2S", "inngest.admission.body-timeout", "PT4S");
    }
}
