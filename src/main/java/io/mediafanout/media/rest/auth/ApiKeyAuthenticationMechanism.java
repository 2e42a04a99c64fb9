package io.mediafanout.media.rest.auth;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code Authorization: Bearer <API key>} for the media API, checked before the request body is read (only for
 * endpoints that require a role: authentication is not proactive). A valid key's requests are rate-limited per
 * key. {@code /api/inngest} (Inngest signatures), the Ittybit webhooks (an HMAC in the URL) and {@code /q/*} do not
 * use it.
 */
@ApplicationScoped
public class ApiKeyAuthenticationMechanism implements HttpAuthenticationMechanism {

    /** Raised for a key over its rate: answered 429 with {@code Retry-After}. */
    public static final class RateLimitedException extends RuntimeException {
        private final long retryAfterSeconds;

        RateLimitedException(long retryAfterSeconds) {
            super("rate limit exceeded", null, false, false);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    public static final String CHALLENGE = "Bearer realm=\"media-fanout\"";
    private static final int MAX_KEY_LENGTH = 256;
    private static final SecurityIdentity OPEN = QuarkusSecurityIdentity.builder()
            .setPrincipal(new QuarkusPrincipal("open-api-dev-mode")).addRoles(ApiKeys.ROLES).build();

    private final ApiKeys keys;
    private final RateLimiter limiter;

    public ApiKeyAuthenticationMechanism(ApiKeys keys, RateLimiter limiter) {
        this.keys = keys;
        this.limiter = limiter;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        String authorization = context.request().getHeader("Authorization");
        if (authorization == null) {
            return keys.open() ? Uni.createFrom().item(OPEN) : Uni.createFrom().optional(java.util.Optional.empty());
        }
        if (authorization.length() > MAX_KEY_LENGTH + 7 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Uni.createFrom().failure(new AuthenticationFailedException("expected Authorization: Bearer <key>"));
        }
        return keys.find(authorization.substring(7).trim()).map(key -> {
            var wait = limiter.acquire(key.name());
            if (wait.isPresent()) {
                return Uni.createFrom().<SecurityIdentity>failure(new RateLimitedException(wait.getAsLong()));
            }
            return Uni.createFrom().<SecurityIdentity>item(QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(key.name())).addRoles(key.roles()).build());
        }).orElseGet(() -> Uni.createFrom().failure(new AuthenticationFailedException("unknown API key")));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", CHALLENGE));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of();
    }
}
