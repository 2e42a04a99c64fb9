package io.mediafanout.media;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** The media app in signed cloud mode, with every secret set: what runs in production, against the fakes. */
public class ProductionLikeProfile implements QuarkusTestProfile {

    public static final String SIGNING_KEY = "signkey-prod-" + "3a".repeat(32);
    public static final String EVENT_KEY = "evtkey-secret-0123456789abcdef";
    public static final String SERVE_ORIGIN = "https://media.example.com";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("inngest.dev", "0", "inngest.signing-key", SIGNING_KEY, "inngest.event-key", EVENT_KEY,
                "inngest.serve-origin", SERVE_ORIGIN, "media.callbacks.allow-private", "false");
    }
}
