package io.mediafanout.media.rest.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.mediafanout.media.client.Hmac;
import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.Caller;
import io.quarkus.logging.Log;

/**
 * Short-lived, read-only grants to one record's stream of changes, for clients that cannot send an
 * {@code Authorization} header (a browser's {@code EventSource}). A token is
 * {@code base64url(<expiry>:<a|o>:<owner>) "." base64url(HMAC-SHA256(key, <record id> "\n" <payload>))}: it names the
 * caller who asked for it (its owner, whether admin) and when it expires, and its signature binds it to the record,
 * so it opens that record's stream for that caller until it expires, and nothing else. The keys are
 * {@code MEDIA_LIVE_TOKEN_SECRETS} (first signs, all verify), else one derived from {@code ITTYBIT_API_KEY}: every
 * replica verifies what another signed.
 */
@Singleton
public class StreamTokens {

    /** What a valid token grants: this record's stream, read as {@code caller} (the principal of its requests). */
    public record Grant(String mediaId, Caller caller) implements java.security.Principal {
        @Override
        public String getName() {
            return caller.owner();
        }
    }

    /** A token and until when it opens streams. */
    public record Issued(String token, Instant expiresAt) {
    }

    /** Longer than any token this service issues (an owner is at most 256 characters): refused unread. */
    static final int MAX_LENGTH = 1024;
    private static final String PURPOSE = "media-fanout live stream token v1\n";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final List<byte[]> keys;
    private final Duration ttl;
    private final Clock clock;

    @Inject
    public StreamTokens(MediaConfig config, Clock clock) {
        this(keys(config), config.live().tokenTtl(), clock);
    }

    StreamTokens(List<byte[]> keys, Duration ttl, Clock clock) {
        this.keys = List.copyOf(keys);
        this.ttl = ttl;
        this.clock = clock;
    }

    /** A token that opens {@code mediaId}'s stream as {@code caller} until {@code ttl} from now. */
    public Issued issue(String mediaId, Caller caller) {
        Instant expiresAt = clock.instant().plus(ttl).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String payload = expiresAt.getEpochSecond() + ":" + (caller.admin() ? "a" : "o") + ":" + caller.owner();
        String encoded = ENCODER.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return new Issued(encoded + "." + ENCODER.encodeToString(signature(keys.get(0), mediaId, encoded)), expiresAt);
    }

    /** What {@code token} grants on {@code mediaId}'s stream: empty when forged, for another record, or expired. */
    public Optional<Grant> verify(String mediaId, String token) {
        if (token == null || token.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.')) {
            return Optional.empty();
        }
        String encoded = token.substring(0, dot);
        byte[] presented;
        String payload;
        try {
            presented = DECODER.decode(token.substring(dot + 1));
            payload = new String(DECODER.decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
        if (keys.stream().noneMatch(key -> MessageDigest.isEqual(signature(key, mediaId, encoded), presented))) {
            return Optional.empty();
        }
        // signed by us: the payload is as issued
        String[] parts = payload.split(":", 3);
        if (parts.length != 3 || clock.instant().getEpochSecond() >= Long.parseLong(parts[0])) {
            return Optional.empty();
        }
        return Optional.of(new Grant(mediaId, new Caller(parts[2], parts[1].equals("a"))));
    }

    private static byte[] signature(byte[] key, String mediaId, String encodedPayload) {
        return Hmac.sha256(key, PURPOSE + mediaId + "\n" + encodedPayload);
    }

    private static List<byte[]> keys(MediaConfig config) {
        Optional<List<byte[]>> configured = config.live().tokenSecrets()
                .map(secrets -> secrets.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList())
                .filter(list -> !list.isEmpty());
        if (configured.isPresent()) {
            return configured.get();
        }
        Optional<String> ittybit = config.ittybit().apiKey();
        if (ittybit.isPresent()) {
            return List.of(Hmac.sha256(ittybit.get().getBytes(StandardCharsets.UTF_8), "media-fanout live stream token"));
        }
        Log.info("No MEDIA_LIVE_TOKEN_SECRETS and no ITTYBIT_API_KEY: stream tokens are signed with a key of this "
                + "process only (another replica or a restart refuses them)");
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return List.of(random);
    }
}
