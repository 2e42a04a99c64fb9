package io.mediafanout.media.rest.auth;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.smallrye.mutiny.Uni;

/**
 * The rate limit of API keys ({@link RateLimiter}) for OIDC access tokens, per subject ({@code sub}): each subject
 * has its own bucket, apart from every key's. Runs on identities the OIDC mechanism verified (API key identities are
 * limited by {@link ApiKeyAuthenticationMechanism} and do not come through here).
 */
@ApplicationScoped
public class OidcRateLimit implements SecurityIdentityAugmentor {

    private final RateLimiter limiter;

    public OidcRateLimit(RateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken token)) {
            return Uni.createFrom().item(identity);
        }
        String subject = token.getSubject() != null ? token.getSubject() : token.getName();
        var wait = limiter.acquire("oidc:" + subject);
        if (wait.isPresent()) {
            return Uni.createFrom().failure(new ApiKeyAuthenticationMechanism.RateLimitedException(wait.getAsLong()));
        }
        return Uni.createFrom().item(identity);
    }
}
