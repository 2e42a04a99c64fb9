package io.mediafanout.media.rest.auth;

import static io.mediafanout.testing.TestApiKey.entry;

import java.util.List;
import java.util.Map;

import io.mediafanout.testing.FakeOidcProvider;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The media API's callers as in production, for {@link ApiKeyTests}, {@link OidcTests} and {@link StreamTokenTests}:
 * API keys (a hash, a name and roles each) and an identity provider (a fake on 127.0.0.1) side by side, with a low
 * rate limit (1 request a second, bursts of 5) per key, per token subject and per owner's stream tokens; a public URL
 * (the API document's server).
 */
public class ApiCallersProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("media.api.keys", String.join(",",
                entry("writer", ApiKeyTests.WRITER, "media:write+media:read"),
                entry("reader", ApiKeyTests.READER, "media:read"), entry("limited", ApiKeyTests.LIMITED, "media:read"),
                entry("viewer", ApiKeyTests.VIEWER, "media:read"), entry("checker", ApiKeyTests.CHECKER, "media:admin"),
                entry("writer", OidcTests.KEY, "media:write+media:read"),
                entry("streamer", StreamTokenTests.STREAMER, "media:write+media:read"),
                entry("stranger", StreamTokenTests.STRANGER, "media:read")),
                "media.api.rate-limit-per-second", "1", "media.api.rate-limit-burst", "5",
                "media.api.public-url", OidcTests.PUBLIC_URL + "/");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeOidcProvider.class));
    }

}
