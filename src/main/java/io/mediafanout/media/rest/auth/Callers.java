package io.mediafanout.media.rest.auth;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.Caller;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * The {@link Caller} of an authenticated request: an API key's owner is its name; an access token's is its
 * {@code MEDIA_API_OWNER_CLAIM} claim ({@code sub} by default). A token without that claim owns nothing and is
 * refused ({@code 403}). A stream token's is the caller's who asked for it.
 */
@Singleton
public class Callers {

    /** An access token without the claim that names its owner: answered 403 with the claim's name. */
    public static final class NoOwnerException extends RuntimeException {
        NoOwnerException(String message) {
            super(message, null, false, false);
        }
    }

    private final String ownerClaim;

    public Callers(MediaConfig config) {
        this.ownerClaim = config.api().ownerClaim();
    }

    public Caller of(SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof StreamTokens.Grant grant) {
            return grant.caller(); // whoever asked for the stream token, on that record's stream only
        }
        boolean admin = identity.hasRole(ApiKeys.ADMIN);
        if (identity.getPrincipal() instanceof JsonWebToken token) {
            // a string claim only: an object, array or number does not name an owner
            Object claim = token.getClaim(ownerClaim);
            String owner = claim instanceof String text ? text
                    : claim instanceof jakarta.json.JsonString json ? json.getString() : null;
            if (owner == null || owner.isBlank() || owner.length() > 256) {
                throw new NoOwnerException("the access token has no usable '" + ownerClaim + "' claim to own records by "
                        + "(MEDIA_API_OWNER_CLAIM): it must be a non-blank string of at most 256 characters");
            }
            return new Caller(owner, admin);
        }
        return new Caller(identity.getPrincipal().getName(), admin);
    }
}
