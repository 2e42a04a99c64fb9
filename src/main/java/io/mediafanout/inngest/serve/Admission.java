package io.mediafanout.inngest.serve;

import java.util.ArrayDeque;

/**
 * Admission of calls to the serve endpoint in one process: at most {@code maxCalls} calls executing and at most
 * {@code maxBytes} bytes of their request bodies held at once. A call past either limit waits in a FIFO queue of at most
 * {@code queueCapacity} entries, its body still unread (the connection is paused, so the waiting call holds a socket
 * and no body); only a full queue, or a wait past its deadline (see the serve route), refuses it.
 * <p>
 * A call larger than {@code maxBytes} alone is admitted when nothing else is held (else it could never run), so the
 * bytes held stay below {@code maxBytes} plus one body at the body limit. Strict FIFO: a large call at the head is not
 * overtaken by smaller ones behind it, so nothing starves. Thread-safe (every event loop admits through it); the
 * callbacks run outside the lock, on the caller's thread — the route hops back to the call's own event loop.
 */
public final class Admission {

    /** A granted admission: {@link #release()} it once the call is answered (or its connection is gone). */
    public interface Permit {
        void release();
    }

    /** A call waiting for admission; {@code admitted} runs once it is admitted. */
    public interface Waiter {
        void admitted(Permit permit);
    }

    private final int maxCalls;
    private final long maxBytes;
    private final int queueCapacity;
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private int calls;
    private long bytes;
    private long refused;

    public Admission(int maxCalls, long maxBytes, int queueCapacity) {
        if (maxCalls < 1 || maxBytes < 1 || queueCapacity < 0) {
            throw new IllegalArgumentException("admission limits must be positive");
        }
        this.maxCalls = maxCalls;
        this.maxBytes = maxBytes;
        this.queueCapacity = queueCapacity;
    }

    /** A queued call; {@link #cancel()} takes it out of the queue (its deadline passed, or the client left). */
    public final class Entry {
        private final long size;
        private final Waiter waiter;
        private boolean done;

        private Entry(long size, Waiter waiter) {
            this.size = size;
            this.waiter = waiter;
        }

        /** Whether it was still waiting (and is now out of the queue): false once admitted. */
        public boolean cancel() {
            synchronized (Admission.this) {
                if (done) {
                    return false;
                }
                done = true;
                queue.remove(this);
            }
            drain();
            return true;
        }
    }

    /**
     * Admits a call whose body holds {@code size} bytes: at once ({@code waiter} runs before this returns), later
     * (the returned entry, waiting), or never (null: the queue is full, and the call must be refused).
     */
    public Entry admit(long size, Waiter waiter) {
        Entry entry = new Entry(Math.max(0, size), waiter);
        synchronized (this) {
            if (queue.isEmpty() && fits(entry.size)) {
                take(entry);
            } else if (queue.size() < queueCapacity) {
                queue.addLast(entry);
                return entry;
            } else {
                refused++;
                return null;
            }
        }
        waiter.admitted(permit(entry.size));
        return entry;
    }

    private boolean fits(long size) {
        return calls < maxCalls && (bytes == 0 || bytes + size <= maxBytes);
    }

    private void take(Entry entry) {
        entry.done = true;
        calls++;
        bytes += entry.size;
    }

    private Permit permit(long size) {
        return new Permit() {
            private boolean released;

            @Override
            public void release() {
                synchronized (Admission.this) {
                    if (released) {
                        return;
                    }
                    released = true;
                    calls--;
                    bytes -= size;
                }
                drain();
            }
        };
    }

    /** Admits queued calls from the head for as long as they fit. */
    private void drain() {
        while (true) {
            Entry next;
            synchronized (this) {
                next = queue.peekFirst();
                if (next == null || !fits(next.size)) {
                    return;
                }
                queue.pollFirst();
                take(next);
            }
            next.waiter.admitted(permit(next.size));
        }
    }

    public synchronized int calls() {
        return calls;
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized int queued() {
        return queue.size();
    }

    /** Counts a call refused after waiting past its deadline (see {@link Entry#cancel()}). */
    public synchronized void refusedAfterWaiting() {
        refused++;
    }

    /** Calls refused since start: the queue was full, or their wait passed its deadline. */
    public synchronized long refused() {
        return refused;
    }

    public int maxCalls() {
        return maxCalls;
    }
}
