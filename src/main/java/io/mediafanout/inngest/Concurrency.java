package io.mediafanout.inngest;

import java.util.Optional;

/**
 * A concurrency limit on executing steps, optionally per key (a CEL expression such as
 * {@code event.data.tenantId}) and scope ({@code fn}, {@code env} or {@code account}).
 */
public record Concurrency(int limit, Optional<String> key, Optional<String> scope) {

    public Concurrency {
        if (limit < 1) {
            throw new IllegalArgumentException("concurrency limit must be at least 1");
        }
        key = key == null ? Optional.empty() : key;
        scope = scope == null ? Optional.empty() : scope;
    }

    public static Concurrency of(int limit) {
        return new Concurrency(limit, Optional.empty(), Optional.empty());
    }

    public static Concurrency perKey(int limit, String key) {
        return new Concurrency(limit, Optional.of(key), Optional.empty());
    }
}
