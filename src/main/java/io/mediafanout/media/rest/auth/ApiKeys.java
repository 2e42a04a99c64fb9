package io.mediafanout.media.rest.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.inject.Singleton;

import io.mediafanout.media.config.MediaConfig;

/**
 * The media API's keys, configured as SHA-256 hashes with a name and roles ({@code MEDIA_API_KEYS}). A presented
 * key is hashed once and compared with every configured hash in constant time, so neither the comparison nor the
 * number of keys tells an attacker how close a guess was. Whether the API may run without any key is
 * {@link MediaApiAccess}'s decision.
 */
@Singleton
public class ApiKeys {

    public static final String WRITE = "media:write";
    public static final String READ = "media:read";
    /** Reads and writes every record, whoever owns it (operators, support tools). */
    public static final String ADMIN = "media:admin";
    static final Set<String> ROLES = Set.of(WRITE, READ, ADMIN);

    private static final Pattern ENTRY = Pattern.compile("([A-Za-z0-9._-]{1,64})/([0-9a-fA-F]{64})/([a-z:+]+)");

    /** A configured key: its name (for logs and metrics), the hash of its secret and its roles. */
    public record Key(String name, byte[] sha256, Set<String> roles) {
    }

    private final List<Key> keys;

    public ApiKeys(MediaConfig config) {
        List<Key> parsed = new ArrayList<>();
        for (String entry : config.api().keys().orElse(List.of())) {
            if (entry.isBlank()) {
                continue;
            }
            var m = ENTRY.matcher(entry.trim());
            if (!m.matches()) {
                // never echo the entry: it could be a key pasted by mistake
                throw new IllegalStateException("MEDIA_API_KEYS has an entry that is not <name>/<sha256 hex>/<roles>");
            }
            Set<String> roles = Set.of(m.group(3).split("\\+"));
            if (!ROLES.containsAll(roles)) {
                throw new IllegalStateException("MEDIA_API_KEYS: key " + m.group(1) + " has a role other than "
                        + WRITE + ", " + READ + " and " + ADMIN);
            }
            parsed.add(new Key(m.group(1), HexFormat.of().parseHex(m.group(2).toLowerCase()), roles));
        }
        this.keys = List.copyOf(parsed);
    }

    /** Whether no key is configured. */
    public boolean isEmpty() {
        return keys.isEmpty();
    }

    /** How many keys are configured. */
    public int size() {
        return keys.size();
    }

    /** The key whose hash is the presented secret's. */
    public Optional<Key> find(String secret) {
        byte[] hash = sha256(secret);
        Key found = null;
        for (Key key : keys) {
            if (MessageDigest.isEqual(key.sha256(), hash) && found == null) {
                found = key;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The hash to configure for a key (what {@code sha256sum} prints for it). */
    public static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
