package io.mediafanout.media.rest.auth;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import io.mediafanout.media.config.MediaConfig;

/**
 * One token bucket per API key and per OIDC subject ({@code media.api.rate-limit-*}, see {@link OidcRateLimit}): a
 * key may make {@code per-second} requests on
 * average and {@code burst} at once. In memory, per replica.
 */
@Singleton
public class RateLimiter {

    private static final class Bucket {
        double tokens;
        long updatedNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updatedNanos = now;
        }
    }

    private final double perSecond;
    private final double burst;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(MediaConfig config) {
        this.perSecond = Math.max(1, config.api().rateLimitPerSecond());
        this.burst = Math.max(1, config.api().rateLimitBurst());
    }

    /** Takes a token for {@code key}: empty when allowed, else the seconds to wait before the next one. */
    public OptionalLong acquire(String key) {
        long now = System.nanoTime();
        Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(burst, now));
        synchronized (bucket) {
            bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.updatedNanos) / 1e9 * perSecond);
            bucket.updatedNanos = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return OptionalLong.empty();
            }
            return OptionalLong.of((long) Math.ceil((1 - bucket.tokens) / perSecond));
        }
    }
}
