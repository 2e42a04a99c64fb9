package io.mediafanout.media.rest.auth;

import java.util.Optional;
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
 * <p>
 * OIDC access tokens come in the same header. Quarkus asks the mechanisms in order of priority, goes on to the next
 * one when a mechanism answers no identity and stops at the first failure: this one runs first (its priority is above
 * the OIDC mechanism's), and when OIDC is on it answers no identity for a bearer token that is not a configured key,
 * so that the OIDC mechanism verifies it (and refuses it with a 401 if it is not a valid access token either).
 * Without OIDC, an unknown key is refused here.
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
    /** Above the OIDC mechanism's ({@code quarkus.oidc.priority}, 1001 by default): API keys are looked up first. */
    public static final int PRIORITY = HttpAuthenticationMechanism.DEFAULT_PRIORITY + 1000;
    private static final int MAX_KEY_LENGTH = 256;
    private static final SecurityIdentity OPEN = QuarkusSecurityIdentity.builder()
            .setPrincipal(new QuarkusPrincipal("open-api-dev-mode")).addRoles(ApiKeys.ROLES).build();

    private final ApiKeys keys;
    private final MediaApiAccess access;
    private final RateLimiter limiter;

    public ApiKeyAuthenticationMechanism(ApiKeys keys, MediaApiAccess access, RateLimiter limiter) {
        this.keys = keys;
        this.access = access;
        this.limiter = limiter;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        String authorization = context.request().getHeader("Authorization");
        if (authorization == null) {
            return access.open() ? Uni.createFrom().item(OPEN) : Uni.createFrom().nullItem();
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Uni.createFrom().failure(new AuthenticationFailedException("expected Authorization: Bearer <key>"));
        }
        String secret = authorization.substring(7).trim();
        var key = secret.length() <= MAX_KEY_LENGTH ? keys.find(secret) : Optional.<ApiKeys.Key> empty();
        if (key.isEmpty()) {
            // not a key: an access token for the OIDC mechanism, or nothing this service accepts
            return access.oidc() ? Uni.createFrom().nullItem()
                    : Uni.createFrom().failure(new AuthenticationFailedException("unknown API key"));
        }
        var wait = limiter.acquire(key.get().name());
        if (wait.isPresent()) {
            return Uni.createFrom().failure(new RateLimitedException(wait.getAsLong()));
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(key.get().name())).addRoles(key.get().roles()).build());
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", CHALLENGE));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of();
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }
}
