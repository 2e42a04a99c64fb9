package io.mediafanout.media.rest.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.Caller;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipal;

class CallersTests {

    /** Owners read from the token claim {@code team} (MEDIA_API_OWNER_CLAIM). */
    private final Callers callers = new Callers(new SmallRyeConfigBuilder().withMapping(MediaConfig.class)
            .withSources(new EnvConfigSource(Map.of("MEDIA_API_OWNER_CLAIM", "team"), 300)).build()
            .getConfigMapping(MediaConfig.class));

    private static QuarkusSecurityIdentity tokenWith(Object team, String... roles) {
        JwtClaims claims = new JwtClaims();
        claims.setSubject("user-1");
        if (team != null) {
            claims.setClaim("team", team);
        }
        return QuarkusSecurityIdentity.builder().setPrincipal(new DefaultJWTCallerPrincipal(claims))
                .addRoles(java.util.Set.of(roles)).build();
    }

    @Test
    void aTokenIsOwnedByItsStringOwnerClaimAndAnApiKeyByItsName() {
        assertThat(callers.of(tokenWith("team-a", ApiKeys.READ))).isEqualTo(new Caller("team-a", false));
        assertThat(callers.of(tokenWith("team-b", ApiKeys.ADMIN))).isEqualTo(new Caller("team-b", true));
        assertThat(callers.of(QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal("uploader"))
                .addRole(ApiKeys.WRITE).build())).isEqualTo(new Caller("uploader", false));
    }

    @Test
    void anOwnerClaimThatIsMissingBlankTooLongOrNotAStringOwnsNothing() {
        for (Object team : new Object[] { null, " ", "x".repeat(257), 42, List.of("a", "b"), Map.of("id", "a"),
                true }) {
            assertThatThrownBy(() -> callers.of(tokenWith(team, ApiKeys.READ))).as(String.valueOf(team))
                    .isInstanceOf(Callers.NoOwnerException.class).hasMessageContaining("'team' claim");
        }
    }
}
