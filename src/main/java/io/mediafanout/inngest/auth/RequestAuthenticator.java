package io.mediafanout.inngest.auth;

import java.time.Clock;
import java.util.Optional;

import jakarta.inject.Singleton;

import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.inngest.auth.JsonDepth;
import io.mediafanout.inngest.serve.InngestServeHandler;
import io.mediafanout.inngest.serve.ServeRequest;

/**
 * Who may call the serve endpoint, decided as cheaply as possible. When a signing key is configured (always in cloud
 * mode, and in dev mode too if one is set) every request must carry {@code X-Inngest-Signature}; the checks run
 * from the cheapest up, and the body is only looked at once the header is present, well formed
 * ({@code t=<unix seconds>&s=<64 hex>}) and fresh (5 minutes). Then the MACs of the body's RFC 8785 canonical form
 * are computed by streaming it ({@link Signatures#matchingKey}: its nesting bounded as it is read, {@link JsonDepth},
 * and no tree of it built) and compared in constant time with the current and the fallback key's. Nothing is built
 * from a body before its signature matched: the call is parsed afterwards, by {@link InngestServeHandler}.
 */
@Singleton
public class RequestAuthenticator {

    /** The outcome: the key that verified the request (empty in dev mode without a key), or why it is refused. */
    public sealed interface Verdict {
    }

    /** Accepted, with the key that verified the request (empty in dev mode without a key). */
    public record Accepted(Optional<String> key) implements Verdict {
    }

    /** {@code status} 401 (not signed as required) or 400 (a signed body that cannot be read). */
    public record Refused(int status, String reason) implements Verdict {
    }

    private final InngestEnvironment environment;
    private final Clock clock;

    public RequestAuthenticator(InngestEnvironment environment, Clock clock) {
        this.environment = environment;
        this.clock = clock;
    }

    /** Whether requests must be signed: a signing key is configured, or cloud mode (which needs one). */
    boolean required() {
        return environment.signingKey().isPresent() || !environment.isDev();
    }

    public Verdict authenticate(ServeRequest request) {
        if (!required()) {
            return new Accepted(Optional.empty());
        }
        Optional<Signatures.Header> header = Signatures.Header.parse(request.header("X-Inngest-Signature"));
        if (header.isEmpty() || !header.get().freshAt(clock.instant().getEpochSecond())) {
            return unauthorized();
        }
        Optional<String> key;
        try {
            key = Signatures.matchingKey(header.get(), request.body(), environment.signingKey(),
                    environment.signingKeyFallback());
        } catch (JsonDepth.TooDeepException tooDeep) {
            return new Refused(400, tooDeep.getMessage());
        } catch (StackOverflowError | RuntimeException unreadable) {
            return new Refused(400, "the request body cannot be read as JSON");
        }
        return key.<Verdict>map(k -> new Accepted(Optional.of(k))).orElseGet(RequestAuthenticator::unauthorized);
    }

    /**
     * Whether a request with this {@code X-Inngest-Signature} is refused whatever its body: signatures are required
     * and the header is missing, malformed or stale. Checked before the body is read.
     */
    public boolean refusesHeader(String signature) {
        if (!required()) {
            return false;
        }
        Optional<Signatures.Header> header = Signatures.Header.parse(signature);
        return header.isEmpty() || !header.get().freshAt(clock.instant().getEpochSecond());
    }

    private static Refused unauthorized() {
        return new Refused(401, "Unauthorized");
    }
}
