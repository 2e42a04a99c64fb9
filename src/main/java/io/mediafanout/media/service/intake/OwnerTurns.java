package io.mediafanout.media.service.intake;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * One owner's admissions on this replica, one at a time. An admission waits in PostgreSQL for its owner's lock
 * ({@link MediaIntake#admit}) holding a pool connection, so a burst of one owner's uploads would otherwise hold the
 * whole pool (7 connections) while they take the lock in turn, and every other request of the replica, other owners'
 * and Inngest's steps, would wait for a connection meanwhile. Here each owner has at most one admission in a
 * transaction per replica; the others wait in memory, in order, at most {@code limit} per owner (past it
 * {@link OwnerBusyException}, a {@code 429}: the owner's own burst, refused before it touches the database).
 * <p>
 * An admission waiting its turn starts on its own request's Vert.x context, where Hibernate Reactive expects its
 * session. A request that goes away while waiting leaves the queue; one that goes away while its transaction runs
 * keeps its turn until the transaction ends. A wait has no deadline of its own: the turns before it take
 * milliseconds unless the owner's lock is held elsewhere, and then the requests before it wait as they did in
 * PostgreSQL, while the bound keeps refusing more.
 */
final class OwnerTurns {

    private final int limit;
    /** Owners with an admission under way, and theirs waiting, in order. Guarded by itself. */
    private final Map<String, ArrayDeque<Runnable>> waiting = new HashMap<>();

    OwnerTurns(int limit) {
        this.limit = Math.max(1, limit);
    }

    /** Runs {@code admission} once the owner's admissions before it have ended. */
    <T> Uni<T> run(String owner, Supplier<Uni<T>> admission) {
        return Uni.createFrom().emitter(emitter -> {
            Context context = Vertx.currentContext();
            // ended before its turn: the request went away (nothing else ends it before it starts)
            AtomicBoolean gone = new AtomicBoolean();
            Runnable startUnlessGone = () -> {
                if (gone.get()) {
                    next(owner);
                } else {
                    start(owner, admission, emitter);
                }
            };
            Runnable turn = context == null ? startUnlessGone
                    : () -> context.runOnContext(ignored -> startUnlessGone.run());
            boolean now;
            boolean busy = false;
            synchronized (waiting) {
                ArrayDeque<Runnable> queue = waiting.get(owner);
                now = queue == null;
                if (now) {
                    waiting.put(owner, new ArrayDeque<>());
                } else if (queue.size() >= limit) {
                    busy = true;
                } else {
                    queue.add(turn);
                }
            }
            if (busy) {
                emitter.fail(new OwnerBusyException(limit));
            } else if (now) {
                start(owner, admission, emitter); // on this request's context already
            } else {
                // a request that goes away while it waits leaves the queue: places are for live requests
                emitter.onTermination(() -> {
                    gone.set(true);
                    synchronized (waiting) {
                        ArrayDeque<Runnable> queue = waiting.get(owner);
                        if (queue != null) {
                            queue.remove(turn);
                        }
                    }
                });
            }
        });
    }

    /** Starts the admission; whatever becomes of it, the turn passes on once it has ended. */
    private <T> void start(String owner, Supplier<Uni<T>> admission, UniEmitter<? super T> emitter) {
        Uni<T> started;
        try {
            started = Objects.requireNonNull(admission.get(), "admission");
        } catch (Throwable e) {
            try {
                next(owner);
            } finally {
                emitter.fail(e);
            }
            return;
        }
        // not tied to the request's subscription: the turn passes on only once the transaction has ended
        started.subscribe().with(item -> {
            try {
                next(owner);
            } finally {
                emitter.complete(item);
            }
        }, failure -> {
            try {
                next(owner);
            } finally {
                emitter.fail(failure);
            }
        });
    }

    private void next(String owner) {
        Runnable turn;
        synchronized (waiting) {
            ArrayDeque<Runnable> queue = waiting.get(owner);
            turn = queue == null ? null : queue.poll();
            if (turn == null) {
                waiting.remove(owner);
            }
        }
        if (turn != null) {
            turn.run();
        }
    }
}
