package io.mediafanout.media.repository;

import java.time.Duration;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * "A task ended" notifications shared by every replica through PostgreSQL {@code LISTEN}/{@code NOTIFY}: a webhook
 * lands on any replica, the branch waiting for the task may run on another one. One pooled connection per replica
 * stays subscribed (so the pool has one connection less for queries); when it breaks, it is opened again with
 * backoff, and meanwhile the waiting branches keep polling. Needs a direct connection to PostgreSQL (a
 * transaction-mode PgBouncer does not carry {@code LISTEN}).
 */
@ApplicationScoped
public class TaskNotifications {

    static final String CHANNEL = "media_fanout_ittybit_task";
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final Pool pool;
    private final Vertx vertx;
    private volatile PgConnection connection;
    private volatile boolean stopped;

    public TaskNotifications(Pool pool, Vertx vertx) {
        this.pool = pool;
        this.vertx = vertx;
    }

    /** Subscribes this replica: {@code onTask} receives the key of every task some replica heard about. */
    public void listen(Consumer<String> onTask) {
        subscribe(onTask, Duration.ofMillis(500));
    }

    /** Whether this replica is subscribed now (notifications reach it). */
    public boolean listening() {
        return connection != null;
    }

    /** Tells every subscribed replica that the task with this key ended. */
    public Uni<Void> publish(String taskKey) {
        return Uni.createFrom().completionStage(() -> pool.preparedQuery("select pg_notify($1, $2)")
                .execute(Tuple.of(CHANNEL, taskKey)).toCompletionStage()).replaceWithVoid();
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        PgConnection current = connection;
        connection = null;
        if (current != null) {
            current.close();
        }
    }

    private void subscribe(Consumer<String> onTask, Duration backoff) {
        if (stopped) {
            return;
        }
        pool.getConnection().onSuccess(sql -> {
            PgConnection pg = PgConnection.cast(sql);
            pg.notificationHandler(notification -> {
                if (CHANNEL.equals(notification.getChannel())) {
                    onTask.accept(notification.getPayload());
                }
            });
            pg.closeHandler(closed -> {
                if (connection == pg) {
                    connection = null;
                    if (!stopped) {
                        Log.warn("Lost the PostgreSQL subscription to task notifications; branches poll until it is back");
                        retry(onTask, Duration.ofMillis(500));
                    }
                }
            });
            pg.query("LISTEN " + CHANNEL).execute().onSuccess(ok -> {
                connection = pg;
                Log.infof("Listening for Ittybit task notifications (PostgreSQL channel %s)", CHANNEL);
            }).onFailure(failure -> {
                pg.close();
                retry(onTask, backoff);
            });
        }).onFailure(failure -> {
            Log.warnf("Cannot subscribe to task notifications yet (%s); retrying in %d ms",
                    failure.getClass().getSimpleName(), backoff.toMillis());
            retry(onTask, backoff);
        });
    }

    private void retry(Consumer<String> onTask, Duration backoff) {
        if (stopped) {
            return;
        }
        Duration next = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        vertx.setTimer(backoff.toMillis(), id -> subscribe(onTask, next));
    }
}
