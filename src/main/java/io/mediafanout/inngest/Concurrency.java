package io.mediafanout.inngest;

import java.util.Objects;
import java.util.Optional;

/**
 * A concurrency limit on executing steps, optionally per key (a CEL expression such as
 * {@code event.data.tenantId}) and scope ({@code fn}, {@code env} or {@code account}).
 * <p>
 * A limit made by {@link #shareOfApp(double, String)} is a share ({@code 0 < share <= 1}) of the app-wide limit the
 * serve endpoint declares: it is resolved when the functions are served ({@link #resolve(int)}), and {@link #limit()}
 * is only its floor (1) until then. Otherwise {@link #share()} is 0.
 */
public record Concurrency(int limit, Optional<String> key, Optional<String> scope, double share) {

    public Concurrency {
        if (limit < 1) {
            throw new IllegalArgumentException("concurrency limit must be at least 1");
        }
        if (!(share == 0 || (share > 0 && share <= 1))) {
            throw new IllegalArgumentException("a concurrency share must be in (0, 1]: " + share);
        }
        key = key == null ? Optional.empty() : key;
        scope = scope == null ? Optional.empty() : scope;
        scope.ifPresent(s -> {
            if (!s.equals("fn") && !s.equals("env") && !s.equals("account")) {
                throw new IllegalArgumentException("concurrency scope must be fn, env or account: " + s);
            }
        });
    }

    public Concurrency(int limit, Optional<String> key, Optional<String> scope) {
        this(limit, key, scope, 0);
    }

    public static Concurrency of(int limit) {
        return new Concurrency(limit, Optional.empty(), Optional.empty());
    }

    public static Concurrency perKey(int limit, String key) {
        return new Concurrency(limit, Optional.of(Objects.requireNonNull(key, "key")), Optional.empty());
    }

    /**
     * A limit per {@code key} (function scope) of {@code max(1, floor(share x app-wide limit))}, the app-wide limit
     * being the one the serve endpoint declares to Inngest. Without an app-wide limit (none configured) it is not
     * declared at all: a share of no limit is no limit.
     */
    public static Concurrency shareOfApp(double share, String key) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("a concurrency share must be in (0, 1]: " + share);
        }
        return new Concurrency(1, Optional.of(Objects.requireNonNull(key, "key")), Optional.empty(), share);
    }

    /** Whether this limit is a share of the app-wide limit, to be {@link #resolve(int) resolved}. */
    public boolean isShare() {
        return share > 0;
    }

    /** This limit with a share replaced by {@code max(1, floor(share x appLimit))}; itself when not a share. */
    public Concurrency resolve(int appLimit) {
        if (!isShare()) {
            return this;
        }
        return new Concurrency((int) Math.max(1, Math.floor(share * appLimit)), key, scope);
    }
}
