package io.mediafanout.media.rest.auth;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /media/{id}/events?token=<stream token>}: a browser's {@code EventSource} cannot send an
 * {@code Authorization} header, so a stream token ({@link StreamTokens}) in the URL stands for it, on that record's
 * stream only: anywhere else (another record, another route, another method) the parameter is not looked at and the
 * request needs its usual credentials. A valid token is a {@code media:read} identity whose principal is the
 * {@link StreamTokens.Grant}; its stream opens are rate-limited per owner like a key's requests. The answer may be
 * read by any origin ({@code Access-Control-Allow-Origin: *}): the token, not a cookie, is the credential.
 * <p>
 * It runs before the API key mechanism and steps aside when the request has an {@code Authorization} header.
 */
@ApplicationScoped
public class StreamTokenAuthenticationMechanism implements HttpAuthenticationMechanism {

    /** A token that is forged, expired or for another record: 401 with a reason. */
    public static final class InvalidStreamTokenException extends RuntimeException {
        InvalidStreamTokenException() {
            super("invalid stream token", null, false, false);
        }
    }

    public static final String PARAMETER = "token";
    private static final Pattern STREAM_PATH = Pattern.compile("/media/([^/]+)/events");

    private final StreamTokens tokens;
    private final RateLimiter limiter;

    public StreamTokenAuthenticationMechanism(StreamTokens tokens, RateLimiter limiter) {
        this.tokens = tokens;
        this.limiter = limiter;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        if (context.request().method() != HttpMethod.GET || context.request().getHeader("Authorization") != null) {
            return Uni.createFrom().nullItem();
        }
        Matcher stream = STREAM_PATH.matcher(context.normalizedPath());
        String token = stream.matches() ? context.request().getParam(PARAMETER) : null;
        if (token == null) {
            return Uni.createFrom().nullItem();
        }
        context.response().putHeader("Access-Control-Allow-Origin", "*");
        var grant = tokens.verify(stream.group(1), token);
        if (grant.isEmpty()) {
            return Uni.createFrom().failure(new InvalidStreamTokenException());
        }
        var wait = limiter.acquire("stream:" + grant.get().caller().owner());
        if (wait.isPresent()) {
            return Uni.createFrom().failure(new ApiKeyAuthenticationMechanism.RateLimitedException(wait.getAsLong()));
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder().setPrincipal(grant.get())
                .addRole(ApiKeys.READ).build());
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", ApiKeyAuthenticationMechanism.CHALLENGE));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of();
    }

    @Override
    public int getPriority() {
        return ApiKeyAuthenticationMechanism.PRIORITY + 1;
    }
}
