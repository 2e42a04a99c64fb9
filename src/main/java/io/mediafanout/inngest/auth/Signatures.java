package io.mediafanout.inngest.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.mediafanout.inngest.auth.JsonDepth;


/**
 * Request and response signatures ({@code X-Inngest-Signature: t=<unix s>&s=<hex>}) and the hashed signing key
 * used as a bearer token towards the Inngest API.
 * <p>
 * {@code s = hex(HMAC-SHA256(key text without "signkey-<env>-", body bytes followed by decimal t))}. Requests are
 * verified over the RFC 8785 canonical form of the body, as the TypeScript and Go SDKs do: for real Inngest
 * traffic that is exactly the raw bytes, since the server signs the canonical JSON it sends. The canonical form is
 * streamed into the MACs ({@link CanonicalJson}), never built as a tree, since the body is not trusted until its
 * signature matches.
 */
public final class Signatures {

    /** Accepted clock difference between the signer and us, both directions. */
    public static final long TOLERANCE_SECONDS = 300;

    private static final Pattern PREFIX = Pattern.compile("^signkey-\\w+-");
    private static final HexFormat HEX = HexFormat.of();
    /**
     * One MAC per thread (event loops, workers), keyed with the signing key it last used: signing with the same key
     * again needs no provider lookup, no key parsing and no new key schedule ({@code doFinal} keeps the key).
     */
    private static final ThreadLocal<KeyedMac> HMAC = ThreadLocal.withInitial(KeyedMac::new);
    /** The fallback key's, so that a request is checked against both keys in one pass over its body. */
    private static final ThreadLocal<KeyedMac> FALLBACK_HMAC = ThreadLocal.withInitial(KeyedMac::new);

    private static final class KeyedMac {
        private final Mac mac;
        private String signingKey;

        KeyedMac() {
            try {
                mac = Mac.getInstance("HmacSHA256");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available", e);
            }
        }

        Mac with(String key) throws GeneralSecurityException {
            if (!key.equals(signingKey)) {
                mac.init(new SecretKeySpec(withoutPrefix(key).getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                signingKey = key;
            }
            mac.reset();
            return mac;
        }
    }

    private Signatures() {
    }

    /** The key text after {@code signkey-<env>-}. */
    public static String withoutPrefix(String signingKey) {
        return PREFIX.matcher(signingKey).replaceFirst("");
    }

    /** {@code prefix + hex(sha256(hexDecode(key without prefix)))}: the bearer token for the Inngest API. */
    public static String hashedKey(String signingKey) {
        var matcher = PREFIX.matcher(signingKey);
        String prefix = matcher.find() ? matcher.group() : "";
        return prefix + HEX.formatHex(sha256(decodeKey(withoutPrefix(signingKey))));
    }

    /** First 12 hex characters of the hashed key, as shown by introspection. */
    public static String shortHash(String signingKey) {
        return HEX.formatHex(sha256(decodeKey(withoutPrefix(signingKey)))).substring(0, 12);
    }

    public static String sha256Hex(String text) {
        return HEX.formatHex(sha256(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The hex MAC of {@code body || t} with the given signing key. */
    public static String mac(String signingKey, byte[] body, long timestamp) {
        try {
            Mac mac = HMAC.get().with(signingKey);
            mac.update(body);
            mac.update(Long.toString(timestamp).getBytes(StandardCharsets.US_ASCII));
            return HEX.formatHex(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** A complete header value {@code t=..&s=..}. */
    public static String header(String signingKey, byte[] body, long timestamp) {
        return "t=" + timestamp + "&s=" + mac(signingKey, body, timestamp);
    }

    /**
     * The bytes a request signature covers: the canonical (RFC 8785) form of a JSON object or array, the raw bytes
     * when the body has none (or nests too deep to tell), nothing for an empty body. The request path does not call
     * this: {@link #matchingKey} streams the same bytes into the MACs without keeping them.
     */
    public static byte[] signedBytes(byte[] body) {
        if (body == null || body.length == 0) {
            return new byte[0];
        }
        try {
            return CanonicalJson.canonicalize(body).orElse(body);
        } catch (RuntimeException notJson) {
            return body;
        }
    }

    /** A well-formed signature header: {@code t=<unix seconds>&s=<64 hex>}, in either order. */
    record Header(long timestamp, String mac) {

        private static final Pattern T = Pattern.compile("(?:^|&)\\s*t=(\\d{1,12})\\s*(?=&|$)");
        private static final Pattern S = Pattern.compile("(?:^|&)\\s*s=([0-9a-fA-F]{64})\\s*(?=&|$)");

        /** The header, or empty when it is missing, too long or malformed: no body is needed to tell. */
        static Optional<Header> parse(String header) {
            if (header == null || header.length() > 200) {
                return Optional.empty();
            }
            java.util.regex.Matcher t = T.matcher(header);
            java.util.regex.Matcher s = S.matcher(header);
            if (!t.find() || !s.find()) {
                return Optional.empty();
            }
            return Optional.of(new Header(Long.parseLong(t.group(1)), s.group(1).toLowerCase(java.util.Locale.ROOT)));
        }

        /** Whether it was made within {@value Signatures#TOLERANCE_SECONDS} s of {@code nowSeconds}, either way. */
        boolean freshAt(long nowSeconds) {
            return Math.abs(nowSeconds - timestamp) <= TOLERANCE_SECONDS;
        }
    }

    /**
     * Checks a request signature over the signed form of {@code body} (see {@link #matchingKey}) against the current
     * and the fallback key.
     *
     * @return the key that matched, or empty when the header is missing, malformed, stale or wrong
     */
    public static Optional<String> verify(String header, byte[] body, long nowSeconds, Optional<String> key,
            Optional<String> fallbackKey) {
        return Header.parse(header).filter(h -> h.freshAt(nowSeconds))
                .flatMap(h -> matchingKey(h, body, key, fallbackKey));
    }

    /**
     * The key (current, then fallback) whose MAC of the signed form of {@code body} (its canonical form, see
     * {@link #signedBytes}) and the header's timestamp is the header's, compared in constant time. Nothing is built
     * from the body: when its bytes are already canonical (all Inngest traffic) they are the MACs' input as they
     * are; otherwise its canonical form is streamed into the MACs of both keys at once ({@link CanonicalJson}), so a
     * body with a wrong signature costs a bounded multiple of its length in memory, whatever it holds.
     *
     * @throws JsonDepth.TooDeepException for a body nested deeper than {@link JsonDepth#MAX}
     */
    static Optional<String> matchingKey(Header header, byte[] body, Optional<String> key,
            Optional<String> fallbackKey) {
        Mac current = key.map(k -> keyed(HMAC, k)).orElse(null);
        Mac fallback = fallbackKey.map(k -> keyed(FALLBACK_HMAC, k)).orElse(null);
        if (current == null && fallback == null) {
            return Optional.empty();
        }
        sign(body, current, fallback);
        byte[] given = HEX.parseHex(header.mac());
        byte[] timestamp = Long.toString(header.timestamp()).getBytes(StandardCharsets.US_ASCII);
        if (current != null && MessageDigest.isEqual(current.doFinal(timestamp), given)) {
            return key;
        }
        if (fallback != null && MessageDigest.isEqual(fallback.doFinal(timestamp), given)) {
            return fallbackKey;
        }
        return Optional.empty();
    }

    /** Feeds the signed form of {@code body} to the MACs (either may be null). */
    private static void sign(byte[] body, Mac current, Mac fallback) {
        if (body != null && body.length > 0 && CanonicalJson.check(body) == CanonicalJson.Form.NOT_CANONICAL) {
            if (CanonicalJson.write(body, (bytes, offset, length) -> {
                if (current != null) {
                    current.update(bytes, offset, length);
                }
                if (fallback != null) {
                    fallback.update(bytes, offset, length);
                }
            })) {
                return;
            }
            // no canonical form after all: the raw bytes are signed
            if (current != null) {
                current.reset();
            }
            if (fallback != null) {
                fallback.reset();
            }
        }
        if (body != null) {
            if (current != null) {
                current.update(body);
            }
            if (fallback != null) {
                fallback.update(body);
            }
        }
    }

    private static Mac keyed(ThreadLocal<KeyedMac> macs, String key) {
        try {
            return macs.get().with(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static byte[] decodeKey(String keyText) {
        try {
            return HEX.parseHex(keyText);
        } catch (IllegalArgumentException notHex) {
            return keyText.getBytes(StandardCharsets.UTF_8);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
