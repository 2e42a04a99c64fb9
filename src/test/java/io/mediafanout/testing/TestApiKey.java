package io.mediafanout.testing;

import java.util.HexFormat;

import io.mediafanout.media.rest.auth.ApiKeys;

/** The API key the packaged jar is started with in tests and benchmarks (production requires one). */
public final class TestApiKey {

    public static final String KEY = "mf_test_0123456789abcdef0123456789abcdef";
    /**
     * {@code MEDIA_API_KEYS}: the key's hash with every role. {@code media:admin} because the packaged tests and the
     * benchmark also read records made by {@code video/uploaded} events sent straight to the executor, which have no
     * owner; ownership itself is tested with keys of their own ({@code OwnershipTests}, {@code EdgeAbuseIT}).
     */
    public static final String CONFIG = entry("tests", KEY, "media:write+media:read+media:admin");
    public static final String AUTHORIZATION = "Bearer " + KEY;

    private TestApiKey() {
    }

    /** One {@code MEDIA_API_KEYS} entry: {@code <name>/<sha256 hex of key>/<roles>} (roles joined by {@code +}). */
    public static String entry(String name, String key, String roles) {
        return name + "/" + HexFormat.of().formatHex(ApiKeys.sha256(key)) + "/" + roles;
    }
}
