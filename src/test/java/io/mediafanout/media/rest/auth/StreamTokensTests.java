package io.mediafanout.media.rest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.mediafanout.media.domain.Caller;

/** A stream token opens one record's stream, as the caller who asked, until it expires; a forged one nothing. */
class StreamTokensTests {

    private static final byte[] KEY = "k".repeat(32).getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEXT_KEY = "n".repeat(32).getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
    private static final Caller ALICE = new Caller("alice", false);

    private static StreamTokens at(Instant now, byte[]... keys) {
        return new StreamTokens(List.of(keys), Duration.ofMinutes(5), Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void aTokenGrantsItsRecordToItsCallerUntilItExpires() {
        StreamTokens.Issued issued = at(NOW, KEY).issue("clip-1", ALICE);

        assertThat(issued.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
        assertThat(at(NOW.plusSeconds(299), KEY).verify("clip-1", issued.token()))
                .contains(new StreamTokens.Grant("clip-1", ALICE));
        assertThat(at(NOW.plusSeconds(300), KEY).verify("clip-1", issued.token())).isEmpty();
        assertThat(at(NOW, KEY).verify("clip-2", issued.token())).as("another record").isEmpty();
    }

    @Test
    void anAdminsTokenKeepsItsScopeOnThatRecordOnly() {
        StreamTokens.Issued issued = at(NOW, KEY).issue("clip-1", new Caller("ops", true));

        assertThat(at(NOW, KEY).verify("clip-1", issued.token()).orElseThrow().caller())
                .isEqualTo(new Caller("ops", true));
    }

    @Test
    void aTokenSignedWithAnotherKeyIsRefusedUnlessThatKeyIsStillListed() {
        StreamTokens.Issued old = at(NOW, KEY).issue("clip-1", ALICE);

        assertThat(at(NOW, NEXT_KEY).verify("clip-1", old.token())).isEmpty();
        // rotation: the new key signs, the old one still verifies what it signed
        assertThat(at(NOW, NEXT_KEY, KEY).verify("clip-1", old.token())).isPresent();
        assertThat(at(NOW, NEXT_KEY, KEY).verify("clip-1", at(NOW, NEXT_KEY, KEY).issue("clip-1", ALICE).token()))
                .isPresent();
    }

    @Test
    void anEditedOrMalformedTokenIsRefused() {
        String token = at(NOW, KEY).issue("clip-1", ALICE).token();
        StreamTokens tokens = at(NOW, KEY);
        String[] parts = token.split("\\.");
        // the payload made to name another owner, or to expire later, no longer matches its signature
        String bob = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                (NOW.plusSeconds(300).getEpochSecond() + ":o:bob").getBytes(StandardCharsets.UTF_8));
        String later = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                (NOW.plusSeconds(86_400).getEpochSecond() + ":o:alice").getBytes(StandardCharsets.UTF_8));

        for (String forged : new String[] { bob + "." + parts[1], later + "." + parts[1], parts[0], parts[0] + ".",
                "." + parts[1], token + ".x", parts[0] + ".%%%", "!!!." + parts[1], token + "A".repeat(1100), "", null }) {
            assertThat(tokens.verify("clip-1", forged)).as(String.valueOf(forged)).isEmpty();
        }
    }
}
