package io.mediafanout.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A stand-in for an identity provider (a real HTTP server on 127.0.0.1): its OIDC discovery document
 * ({@code /realms/media/.well-known/openid-configuration}) and its JWKS with one RSA key, which signs the access tokens
 * tests make with {@link #token()}. Points the app at it through {@code quarkus.oidc.auth-server-url}.
 */
public class FakeOidcProvider implements QuarkusTestResourceLifecycleManager {

    public static final String REALM = "/realms/media";
    public static final String AUDIENCE = "media-fanout";

    private static volatile RecordingHttpServer server;
    private static final RsaJsonWebKey KEY = generate("test-key-1");
    /** Not in the JWKS: tokens it signs have a bad signature (same key id). */
    private static final RsaJsonWebKey IMPOSTOR = generate("test-key-1");

    private static RsaJsonWebKey generate(String keyId) {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId(keyId);
            key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
            key.setUse("sig");
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts the provider once per JVM (several profiles or processes may use it). */
    public static synchronized RecordingHttpServer server() {
        if (server == null) {
            RecordingHttpServer s = new RecordingHttpServer();
            s.route("GET", REALM + "/.well-known/openid-configuration", r -> RecordingHttpServer.Reply.json(200,
                    "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + issuer() + "/protocol/openid-connect/certs\","
                            + "\"token_endpoint\":\"" + issuer() + "/protocol/openid-connect/token\","
                            + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}"));
            s.route("GET", REALM + "/protocol/openid-connect/certs", r -> RecordingHttpServer.Reply.json(200,
                    new JsonWebKeySet(KEY).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY)));
            server = s;
        }
        return server;
    }

    /** The provider's issuer, also its {@code auth-server-url}. */
    public static String issuer() {
        return server().url() + REALM;
    }

    /** Settings of an app that accepts this provider's access tokens for {@link #AUDIENCE}, roles in {@code scope}. */
    public static Map<String, String> settings() {
        return Map.of("quarkus.oidc.auth-server-url", issuer(),
                "quarkus.oidc.token.audience", AUDIENCE,
                "quarkus.oidc.roles.role-claim-path", "scope");
    }

    @Override
    public Map<String, String> start() {
        return settings();
    }

    @Override
    public void stop() {
        // kept for the whole test JVM
    }

    /** An access token: by default valid for 5 minutes, for {@link #AUDIENCE}, with no role. */
    public static Token token() {
        return new Token();
    }

    /** An access token in the making. */
    public static final class Token {
        private String issuer = FakeOidcProvider.issuer();
        private String audience = AUDIENCE;
        private String subject = "user-1";
        private final List<String> roles = new ArrayList<>();
        private long expiresInSeconds = 300;
        private RsaJsonWebKey signer = KEY;

        public Token subject(String subject) {
            this.subject = subject;
            return this;
        }

        /** The roles, as the space-separated {@code scope} claim. */
        public Token roles(String... roles) {
            this.roles.addAll(Arrays.asList(roles));
            return this;
        }

        public Token issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        public Token audience(String audience) {
            this.audience = audience;
            return this;
        }

        public Token expiredSecondsAgo(long seconds) {
            this.expiresInSeconds = -seconds;
            return this;
        }

        public Token signedByAnotherKey() {
            this.signer = IMPOSTOR;
            return this;
        }

        /** The signed JWT (compact serialization). */
        public String sign() {
            JwtClaims claims = new JwtClaims();
            claims.setIssuer(issuer);
            claims.setAudience(audience);
            claims.setSubject(subject);
            claims.setClaim("preferred_username", subject);
            claims.setClaim("scope", String.join(" ", roles));
            long now = NumericDate.now().getValue();
            claims.setIssuedAt(NumericDate.fromSeconds(Math.min(now, now + expiresInSeconds - 60)));
            claims.setExpirationTime(NumericDate.fromSeconds(now + expiresInSeconds));
            claims.setGeneratedJwtId();
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setKey(signer.getPrivateKey());
            jws.setKeyIdHeaderValue(signer.getKeyId());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            try {
                return jws.getCompactSerialization();
            } catch (JoseException e) {
                throw new IllegalStateException(e);
            }
        }

        /** {@code Bearer <signed JWT>}. */
        public String authorization() {
            return "Bearer " + sign();
        }
    }
}
