package io.mediafanout.media.service.intake;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
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
 * session. A request that goes away while waiting is skipped; one that goes away while its transaction runs keeps
 * its turn until the transaction ends.
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
            // terminated before its turn: the request went away (cancelled), as nothing else ends it before it starts
            AtomicBoolean gone = new AtomicBoolean();
            emitter.onTermination(() -> gone.set(true));
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
            synchronized (waiting) {
                ArrayDeque<Runnable> queue = waiting.get(owner);
                now = queue == null;
                if (now) {
                    waiting.put(owner, new ArrayDeque<>());
                } else if (queue.size() >= limit) {
                    emitter.fail(new OwnerBusyException(limit));
                    return;
                } else {
                    queue.add(turn);
                }
            }
            if (now) {
                start(owner, admission, emitter); // on this request's context already
            }
        });
    }

    private <T> void start(String owner, Supplier<Uni<T>> admission, UniEmitter<? super T> emitter) {
        Uni<T> started;
        try {
            started = admission.get();
        } catch (RuntimeException e) {
            started = Uni.createFrom().failure(e);
        }
        // not tied to the request's subscription: the turn passes on only once the transaction has ended
        started.subscribe().with(item -> {
            next(owner);
            emitter.complete(item);
        }, failure -> {
            next(owner);
            emitter.fail(failure);
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
