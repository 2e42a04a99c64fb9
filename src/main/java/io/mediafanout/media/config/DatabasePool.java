package io.mediafanout.media.config;

import java.util.concurrent.TimeUnit;

import jakarta.inject.Singleton;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * The reactive PostgreSQL pool Quarkus creates, with the two bounds its configuration lacks: a query waits at most
 * {@code media.database.acquire-timeout} for a connection, and at most {@code media.database.max-waiting} queries
 * wait at all. A burst then fails a few steps fast (Inngest retries them later) instead of piling up waiters, each
 * holding its call's memory, until the pod runs out of heap.
 */
@Singleton
public class DatabasePool implements PgPoolCreator {

    private final MediaConfig.Database config;

    public DatabasePool(MediaConfig config) {
        this.config = config.database();
    }

    @Override
    public Pool create(Input input) {
        PoolOptions options = bounded(input.poolOptions());
        return PgBuilder.pool().with(options).connectingTo(java.util.List.<io.vertx.sqlclient.SqlConnectOptions>copyOf(input.pgConnectOptionsList())).using(input.vertx()).build();
    }

    /**
     * Whether {@code failure} is this pool's refusal under load: no connection within the acquire timeout (Vert.x's
     * {@code NoStackTraceThrowable("Timeout")}) or its wait queue full ({@code ConnectionPoolTooBusyException}), as is
     * or wrapped. Such a request may be tried again shortly: the media API answers it {@code 503} with
     * {@code Retry-After}.
     */
    public static boolean busy(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.vertx.core.http.ConnectionPoolTooBusyException
                    || (t instanceof io.vertx.core.impl.NoStackTraceThrowable && "Timeout".equals(t.getMessage()))) {
                return true;
            }
        }
        return false;
    }

    PoolOptions bounded(PoolOptions options) {
        return options.setConnectionTimeout((int) Math.max(1, config.acquireTimeout().toMillis()))
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
                .setMaxWaitQueueSize(config.maxWaiting());
    }
}
