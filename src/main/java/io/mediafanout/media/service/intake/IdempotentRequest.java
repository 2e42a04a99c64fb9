package io.mediafanout.media.service.intake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

import io.mediafanout.media.domain.Upload;

/**
 * A request that came with an {@code Idempotency-Key} (IETF draft "The Idempotency-Key HTTP Header Field", as Stripe
 * and Mux use it): the caller's key and a fingerprint of what the request asks for. The same key with the same
 * request within 24 hours gets the first request's record and answer, and starts nothing more; the same key with
 * another request is refused ({@link KeyReusedException}, {@code 422}).
 */
public record IdempotentRequest(String key, String fingerprint) {

    /** The header. */
    public static final String HEADER = "Idempotency-Key";
    /** Printable ASCII without spaces, 1 to 255 characters (a UUID fits; Stripe's limit is the same). */
    static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");

    /** The key was used in the last 24 hours for another request. */
    public static class KeyReusedException extends RuntimeException {
        public KeyReusedException() {
            super("this Idempotency-Key was used for another request in the last 24 hours: use a new key for a new "
                    + "request", null, false, false);
        }
    }

    /**
     * The request's key, checked; empty without the header. The fingerprint covers every part of the request that
     * decides what it does ({@code parts}, in a fixed order), not its bytes: the same JSON with other spacing or
     * member order is the same request.
     */
    public static Optional<IdempotentRequest> of(String header, String... parts) {
        if (header == null) {
            return Optional.empty();
        }
        if (!KEY.matcher(header).matches()) {
            throw new Upload.InvalidUploadException(HEADER, HEADER + " must be 1 to 255 printable ASCII characters "
                    + "without spaces");
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                byte[] bytes = part == null ? new byte[0] : part.getBytes(StandardCharsets.UTF_8);
                sha.update((byte) (part == null ? 0 : 1));
                sha.update(java.nio.ByteBuffer.allocate(4).putInt(bytes.length).array());
                sha.update(bytes);
            }
            return Optional.of(new IdempotentRequest(header, HexFormat.of().formatHex(sha.digest())));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
