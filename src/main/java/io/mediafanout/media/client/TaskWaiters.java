package io.mediafanout.media.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Branches of this process that wait for an Ittybit task, by the task's idempotency key. A waiter sleeps between two
 * reads of its task; {@link #wake} (a webhook, or its notification from another replica) ends the sleep at once, so
 * the branch reads the task now instead of at its next poll. A wake-up carries no task state: the branch always
 * reads the task from Ittybit, so a forged or stale wake-up costs one read and nothing else.
 */
@ApplicationScoped
public class TaskWaiters {

    private final Vertx vertx;
    private final Map<String, List<Waiter>> waiting = new ConcurrentHashMap<>();

    public TaskWaiters(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Starts listening for wake-ups of a task; close the waiter when the branch stops waiting. */
    public Waiter register(String key) {
        Waiter waiter = new Waiter(key);
        waiting.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(waiter);
        return waiter;
    }

    /** Wakes the waiters of a task in this process; returns how many there were. */
    public int wake(String key) {
        List<Waiter> waiters = waiting.get(key);
        if (waiters == null) {
            return 0;
        }
        waiters.forEach(Waiter::wake);
        return waiters.size();
    }

    /** How many tasks are waited for in this process. */
    public int size() {
        return waiting.size();
    }

    /** One branch waiting for one task. */
    public final class Waiter implements AutoCloseable {
        private final String key;
        /** Ends the current sleep; null when not sleeping. */
        private final AtomicReference<Runnable> sleeping = new AtomicReference<>();
        /** A wake-up that came while not sleeping: the next sleep ends at once. */
        private final AtomicBoolean pending = new AtomicBoolean();

        private Waiter(String key) {
            this.key = key;
        }

        /**
         * Sleeps at most {@code max}, less when woken. Completes on the caller's Vert.x context (when it has one), so
         * what follows runs on the same event loop.
         */
        public Uni<Void> sleep(Duration max) {
            Context context = Vertx.currentContext();
            return Uni.createFrom().emitter(emitter -> {
                AtomicBoolean done = new AtomicBoolean();
                Runnable finish = () -> {
                    if (done.compareAndSet(false, true)) {
                        if (context != null) {
                            context.runOnContext(ignored -> emitter.complete(null));
                        } else {
                            emitter.complete(null);
                        }
                    }
                };
                if (pending.getAndSet(false)) {
                    finish.run();
                    return;
                }
                long timer = vertx.setTimer(Math.max(1, max.toMillis()), id -> {
                    sleeping.compareAndSet(finish, null);
                    finish.run();
                });
                emitter.onTermination(() -> {
                    vertx.cancelTimer(timer);
                    sleeping.compareAndSet(finish, null);
                });
                sleeping.set(finish);
                if (pending.getAndSet(false)) {
                    // woken between the first check and now
                    wake();
                }
            });
        }

        void wake() {
            Runnable finish = sleeping.getAndSet(null);
            if (finish != null) {
                finish.run();
            } else {
                pending.set(true);
            }
        }

        @Override
        public void close() {
            waiting.computeIfPresent(key, (k, list) -> {
                list.remove(this);
                return list.isEmpty() ? null : list;
            });
        }
    }
}
