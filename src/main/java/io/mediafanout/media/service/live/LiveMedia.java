package io.mediafanout.media.service.live;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.Caller;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.repository.MediaBranch;
import io.mediafanout.media.service.MediaQueries;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;

/**
 * Live progress: the changes of watched records, on any replica. Every change of a record or a branch notifies
 * {@value #CHANNEL} after commit (triggers, {@code V9__live_changes.sql}, numbered in commit order by
 * {@code V10__live_versions_in_commit_order.sql}); each pod listens on one connection of its
 * own ({@link PgSubscriber}, re-established when lost, and then every watched record is read again, and every record
 * changed meanwhile for the streams of all records, so that no change is missed), reads a changed record once however
 * many streams watch it, and hands the new state to each watcher. A
 * watcher keeps at most one state it has not sent (a slow reader skips intermediate versions, never the last), so its
 * memory does not grow with the changes. Streams are capped per pod and per owner ({@code media.live.*}).
 */
@ApplicationScoped
public class LiveMedia {

    /** The version a stream that has seen nothing resumes from: every record's current state is newer. */
    public static final long NOTHING_SEEN = -1;

    /** The channel the triggers notify, with the record's id as the payload. */
    static final String CHANNEL = "media_changes";
    /** Reads every watched record again, as after a lost connection (and as a safety net), this often. */
    private static final Duration RESYNC_EVERY = Duration.ofSeconds(30);
    /**
     * How long a change may hold its number before it commits, at most: after a lost {@code LISTEN} connection, the
     * streams of all records are given every record changed after the highest version known to this pod this long
     * before its last notice. A branch's or a record's change takes its number once its row locks are held and commits
     * at once; an upload's insert waits after it for its owner's admission lock, held by one admission at a time per
     * replica (milliseconds each): a minute is far above either.
     */
    private static final Duration RESYNC_MARGIN = Duration.ofMinutes(1);
    /** Marks of the highest version known, at most one a second, this many kept. */
    private static final int MARKS = 180;

    /** What a stream carries: a record's state ({@link Change}) or a {@link Heartbeat}. */
    public sealed interface Message permits Change, Heartbeat {
    }

    /**
     * Nothing to tell: sent to every stream every {@code media.live.keep-alive} (one timer for all of a pod's streams)
     * when its reader is waiting, so that proxies do not close a quiet stream. Never in place of a pending state.
     */
    public record Heartbeat() implements Message {
    }

    private static final Heartbeat HEARTBEAT = new Heartbeat();

    /**
     * A record as a change left it: its version (its last change's number) and what {@code GET /media/{id}} shows.
     * One change goes to every stream of the record on this pod: it is rendered for them once ({@link #rendered}).
     */
    public static final class Change implements Message {
        private final long version;
        private final MediaQueries.Details details;
        private volatile String rendered;

        private Change(long version, MediaQueries.Details details) {
            this.version = version;
            this.details = details;
        }

        static Change of(MediaQueries.Details details) {
            long version = details.media().getVersion();
            for (MediaBranch branch : details.branches()) {
                version = Math.max(version, branch.getVersion());
            }
            return new Change(version, details);
        }

        public long version() {
            return version;
        }

        public MediaQueries.Details details() {
            return details;
        }

        /** Ready, failed or cancelled: nothing more will come for this round. */
        public boolean terminal() {
            return details.media().getStatus() != MediaStatus.PROCESSING;
        }

        /** {@code render} of this change, computed by the first stream that sends it and kept for the others. */
        public String rendered(java.util.function.Function<MediaQueries.Details, String> render) {
            String text = rendered;
            if (text == null) {
                text = render.apply(details);
                rendered = text; // two streams racing render it twice, identically
            }
            return text;
        }
    }

    /** More streams than allowed, per pod or per owner. */
    public static final class TooManyStreamsException extends RuntimeException {
        private final boolean perOwner;

        TooManyStreamsException(String message, boolean perOwner) {
            super(message);
            this.perOwner = perOwner;
        }

        /** The owner's cap (a 429 for the caller) rather than the pod's (a 503: another replica may take it). */
        public boolean perOwner() {
            return perOwner;
        }
    }


    private final MediaQueries queries;
    private final MediaConfig.Live config;
    private final Vertx vertx;
    private final String url;
    private final String username;
    private final String password;
    private final Map<String, Set<Watcher>> watchers = new ConcurrentHashMap<>();
    private final Set<ListWatcher> lists = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    /** Streams open per owner ("" for admins), an owner without any left out: as many entries as owners streaming. */
    private final Map<String, Integer> perOwner = new ConcurrentHashMap<>();
    private final int maxStreams;
    private final int maxReads;
    private final long readWindowMillis;
    private final Duration shutdownDelay;
    private final Counter sent;
    private final Timer readTime;
    private volatile PgSubscriber subscriber;
    private volatile long resyncTimer = -1;
    private volatile long heartbeatTimer = -1;
    private volatile long markTimer = -1;
    /**
     * The highest version known to this pod: of any record it read, or the numbering's own when the first stream of
     * all records opened (a pod that watched nothing before knows no version).
     */
    private final AtomicLong highestRead = new AtomicLong();
    /** The numbering's version when the streams of all records open now began (-1 until read): their re-sync's floor. */
    private volatile long listsBegan = -1;
    /** When the last notice came: the {@code LISTEN} connection was alive then. */
    private volatile long lastNoticeNanos = System.nanoTime();
    /** Guarded by itself: when each mark was taken, and {@link #highestRead} then ({@link #markVersions}). */
    private final long[] markNanos = new long[MARKS];
    private final long[] markVersions = new long[MARKS];
    private int marksTaken;

    public LiveMedia(MediaQueries queries, MediaConfig config, Vertx vertx,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") String username,
            @ConfigProperty(name = "quarkus.datasource.password") java.util.Optional<String> password,
            @ConfigProperty(name = "quarkus.shutdown.delay") java.util.Optional<Duration> shutdownDelay,
            MeterRegistry registry) {
        this.shutdownDelay = shutdownDelay.orElse(Duration.ZERO);
        this.sent = Counter.builder("media.live.messages").description("Live progress messages sent to streams")
                .register(registry);
        this.readTime = Timer.builder("media.live.reads").description("Reads of changed records for their streams, "
                + "from the read's start to its records handed to the streams (up to 100 records a read)")
                .register(registry);
        // a registry that outlives this bean (an application restarted in one JVM: tests, dev mode) keeps the gauge it
        // first got, bound to a counter no longer used: this one replaces it
        Gauge stale = registry.find("media.live.streams").gauge();
        if (stale != null) {
            registry.remove(stale);
        }
        Gauge.builder("media.live.streams", open, AtomicInteger::get).description("Live progress streams open")
                .register(registry);
        this.queries = queries;
        this.config = config.live();
        this.maxStreams = this.config.maxStreams().orElse(defaultMaxStreams(Runtime.getRuntime().maxMemory()));
        this.maxReads = this.config.maxReads();
        this.readWindowMillis = this.config.readWindow().toMillis();
        this.vertx = vertx;
        this.url = url;
        this.username = username;
        this.password = password.orElse("");
    }

    void start(@Observes StartupEvent start) {
        listen(PgConnectOptions.fromUri(url.replaceFirst("^vertx-reactive:", "")).setUser(username)
                .setPassword(password));
        resyncTimer = vertx.setPeriodic(RESYNC_EVERY.toMillis(), ignored -> resync());
        heartbeatTimer = vertx.setPeriodic(config.keepAlive().toMillis(), ignored -> heartbeat());
        markTimer = vertx.setPeriodic(1_000, ignored -> mark());
    }

    /**
     * Listens on {@value #CHANNEL} with a subscriber of its own connection. A connection lost is the subscriber's to
     * re-establish (its reconnect policy); a first one refused (a database still starting when the pod does) is not,
     * so then a new subscriber tries again a second later, until the pod stops.
     */
    private void listen(PgConnectOptions options) {
        PgSubscriber listening = PgSubscriber.subscriber(vertx, options)
                .reconnectPolicy(retries -> 1_000L); // forever, a second apart
        listening.channel(CHANNEL)
                .handler(this::changed)
                // (re)subscribed: what changed while the connection was lost is read again: every watched record,
                // and for the streams of all records every record changed since (the subscriber reconnects on its
                // own and calls no close handler meanwhile: this is where a lost connection shows)
                .subscribeHandler(ignored -> {
                    if (listened.getAndSet(true)) {
                        Log.warn("Live progress: the LISTEN connection to PostgreSQL was lost and is back; watched "
                                + "records and the records changed meanwhile are read again");
                        resyncLists();
                    }
                    resync();
                });
        subscriber = listening;
        listening.connect().onFailure(e -> {
            Log.warnf("Live progress: LISTEN %s not connected yet (%s); retrying in 1 s", CHANNEL, e.getMessage());
            vertx.setTimer(1_000, ignored -> {
                if (subscriber == listening && !stopped) {
                    listening.close();
                    listen(options);
                }
            });
        });
    }

    /** Subscribed at least once: a subscription after it follows a lost connection. */
    private final java.util.concurrent.atomic.AtomicBoolean listened = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean stopped;

    /** A heartbeat to every stream whose reader waits for its next message (a stream with one pending needs none). */
    private void heartbeat() {
        watchers.values().forEach(set -> set.forEach(Watcher::idle));
        lists.forEach(list -> idle(list.emitter));
    }

    private static void idle(MultiEmitter<? super Message> emitter) {
        if (emitter.requested() > 0) {
            emitter.emit(HEARTBEAT);
        }
    }

    /**
     * SIGTERM: the pod serves on, unready, for {@code quarkus.shutdown.delay} while it leaves the endpoints; then every
     * stream ends (before the drain, which would otherwise wait for them): clients reconnect, with
     * {@code Last-Event-ID}, to a replica that stays.
     */
    void draining(@Observes ShutdownDelayInitiatedEvent draining) {
        vertx.setTimer(Math.max(1, shutdownDelay.toMillis()), ignored -> endAll());
    }

    private void endAll() {
        watchers.values().forEach(set -> set.forEach(w -> w.emitter.complete()));
        endLists();
    }

    /**
     * After a lost {@code LISTEN} connection: the streams of all records are given every record changed since (their
     * notices may be lost), read as any change is (a record they were given at that version is not sent again). Past
     * {@link #LIST_BACKLOG} such records, or when they cannot be found, the streams end instead, as for a reader that
     * far behind: their clients reconnect and read what they missed with {@code GET /media}.
     */
    private void resyncLists() {
        if (lists.isEmpty()) {
            return;
        }
        long since = readBy(lastNoticeNanos - RESYNC_MARGIN.toNanos()).orElse(Math.max(0, listsBegan));
        onNewContext(() -> queries.changedSince(since, LIST_BACKLOG + 1).subscribe().with(ids -> {
            if (ids.size() > LIST_BACKLOG) {
                Log.warnf("Live progress: over %d records changed while the LISTEN connection was lost; the streams "
                        + "of all records end (their clients read them with GET /media)", LIST_BACKLOG);
                endLists();
            } else {
                ids.forEach(this::read);
            }
        }, failure -> {
            Log.warnf("Live progress: the records changed while the LISTEN connection was lost could not be read (%s); "
                    + "the streams of all records end (their clients read them with GET /media)", failure.getMessage());
            endLists();
        }));
    }

    /**
     * Marks the highest version read now (a timer's, once a second), when it grew since the last mark: a mark holds
     * until the next, so a quiet pod's marks reach back as far as its last changes.
     */
    private void mark() {
        synchronized (markNanos) {
            long version = highestRead.get();
            if (marksTaken > 0 && markVersions[(marksTaken - 1) % MARKS] == version) {
                return;
            }
            int slot = marksTaken++ % MARKS;
            markNanos[slot] = System.nanoTime();
            markVersions[slot] = version;
        }
    }

    /**
     * The highest version known to this pod at {@code nanos}, as its newest mark by then shows; none without one (a
     * stream of all records opened since: the version the numbering had then, {@link #listsBegan}, is the floor).
     */
    private java.util.OptionalLong readBy(long nanos) {
        synchronized (markNanos) {
            long version = 0;
            long markedAt = 0;
            boolean found = false;
            for (int slot = 0; slot < Math.min(marksTaken, MARKS); slot++) {
                if (markNanos[slot] - nanos <= 0 && (!found || markNanos[slot] - markedAt > 0)) {
                    found = true;
                    markedAt = markNanos[slot];
                    version = markVersions[slot];
                }
            }
            return found ? java.util.OptionalLong.of(version) : java.util.OptionalLong.empty();
        }
    }

    /**
     * The first stream of all records opened (none were open): the numbering's version now is where their re-sync
     * starts at the earliest, and a version this pod knows from now on (one query, then marked).
     */
    private void listsBegin() {
        onNewContext(() -> queries.lastVersion().subscribe().with(version -> {
            listsBegan = version;
            highestRead.accumulateAndGet(version, Math::max);
        }, failure -> Log.debugf("Live progress: the numbering's version could not be read (%s)", failure.getMessage())));
    }

    /** Ends every stream of all records (shutdown; a re-sync they could not take). */
    private void endLists() {
        lists.forEach(list -> list.emitter.complete());
    }

    void stop(@Observes ShutdownEvent stop) {
        stopped = true;
        if (resyncTimer >= 0) {
            vertx.cancelTimer(resyncTimer);
        }
        if (heartbeatTimer >= 0) {
            vertx.cancelTimer(heartbeatTimer);
        }
        if (markTimer >= 0) {
            vertx.cancelTimer(markTimer);
        }
        endAll(); // any left (no shutdown delay): they end cleanly, clients reconnect with Last-Event-ID
        PgSubscriber listening = subscriber;
        if (listening != null) {
            listening.close();
        }
    }

    /**
     * The default cap of streams per pod: the heap / {@link #HEAP_PER_STREAM}, at least 16 (a 256 MiB pod's heap, 62 MiB
     * as the JVM counts it: 1,058). Measured (bench part {@code live}): a stream costs 14-20 KiB of the pod's RSS (its
     * connection's buffers, its pipeline, at most one unsent state, whatever its reader's speed); a 256 MiB pod
     * running a burst with 1,000 streams peaked at 243-249 MiB: 1,058 streams fit, 2,000 would not.
     */
    static int defaultMaxStreams(long heapBytes) {
        return (int) Math.max(16, Math.min(100_000, heapBytes / HEAP_PER_STREAM));
    }

    /** Heap set aside per open stream for the default cap. */
    static final long HEAP_PER_STREAM = 60 * 1024;

    /** Streams open on this pod now. */
    public int openStreams() {
        return open.get();
    }

    /**
     * Why {@code caller} may not open one more stream on this pod now (checked before a stream starts, so that the
     * answer can be a status; {@link #takePlace} enforces the caps again, counting the stream).
     */
    public java.util.Optional<TooManyStreamsException> noRoomFor(Caller caller) {
        return capMet(owner(caller));
    }

    /** The cap one more stream of {@code owner}'s would go past: the pod's first, then the owner's. */
    private java.util.Optional<TooManyStreamsException> capMet(String owner) {
        if (open.get() >= maxStreams) {
            return java.util.Optional.of(new TooManyStreamsException("this replica has " + maxStreams
                    + " streams open (media.live.max-streams); try again", false));
        }
        if (perOwner.getOrDefault(owner, 0) >= config.maxStreamsPerOwner()) {
            return java.util.Optional.of(new TooManyStreamsException("you have " + config.maxStreamsPerOwner()
                    + " streams open on this replica (media.live.max-streams-per-owner)", true));
        }
        return java.util.Optional.empty();
    }

    /**
     * A {@code Last-Event-ID} as a version: {@link #NOTHING_SEEN} when absent, negative or not a number (a record last
     * changed before versions were kept is at version 0, and a new stream must still get it).
     */
    public static long lastSeen(String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return NOTHING_SEEN;
        }
        try {
            return Math.max(NOTHING_SEEN, Long.parseLong(lastEventId.trim()));
        } catch (NumberFormatException notOurs) {
            return NOTHING_SEEN;
        }
    }

    /**
     * Whether a client that has seen version {@code lastSeen} already has the record's final state of this round:
     * a stream would send nothing and end, and an EventSource would reconnect to it again and again. Only that very
     * version: one above it was never this record's (a stream sends such a client the current state).
     */
    public static boolean seenToTheEnd(MediaQueries.Details details, long lastSeen) {
        Change current = Change.of(details);
        return current.terminal() && current.version() == lastSeen;
    }

    /**
     * The record's states from now on: its current one (unless the client has seen it: {@code lastSeen}), then one
     * per change, ending after a terminal one. The stream holds {@code place} until it ends. The caller has already
     * been shown the record exists and is theirs.
     */
    public Multi<Message> watch(String id, Place place, long lastSeen) {
        return Multi.createFrom().<Message>emitter(emitter -> {
            if (!place.startStreaming()) {
                emitter.complete(); // its request ended before the stream started: the place is given back
                return;
            }
            Watcher watcher = new Watcher(id, emitter, lastSeen);
            // registered before the first read: a change committed meanwhile is read again, never lost; added and
            // removed atomically per record, so that the last watcher leaving never drops one joining meanwhile
            watchers.compute(id, (k, set) -> {
                Set<Watcher> joined = set == null ? ConcurrentHashMap.newKeySet() : set;
                joined.add(watcher);
                return joined;
            });
            emitter.onTermination(() -> {
                watchers.computeIfPresent(id, (k, set) -> set.remove(watcher) && set.isEmpty() ? null : set);
                place.endStreaming();
            });
            read(id);
        }, BackPressureStrategy.LATEST);
    }

    /**
     * A place for one more stream of {@code caller}'s on this pod, taken before the stream's status line is written:
     * past a cap it fails with {@link TooManyStreamsException}, which is then the answer (checked and counted in one
     * step, so that streams opening together never get past a cap). The stream started with it holds it until it
     * ends; the request's end gives it back if no stream took it ({@link Place#giveBackUnlessStreaming}), and so does
     * {@link #UNCLAIMED_PLACE} later.
     */
    public Place takePlace(Caller caller) {
        Place place = new Place(takeStream(caller));
        // should the request's end never tell (a path that sets no end handler, a client gone before its stream was
        // subscribed), a place no stream took is given back all the same: a stream starts within milliseconds
        vertx.setTimer(UNCLAIMED_PLACE.toMillis(), ignored -> place.giveBackUnlessStreaming());
        return place;
    }

    /** How long a place no stream took is kept at most. */
    static final Duration UNCLAIMED_PLACE = Duration.ofSeconds(30);

    /** A stream's place among the pod's and its owner's ({@link #takePlace}): taken, streaming, then given back. */
    public final class Place {
        private static final int TAKEN = 0;
        private static final int STREAMING = 1;
        private static final int GIVEN_BACK = 2;
        private final String owner;
        private final AtomicInteger state = new AtomicInteger(TAKEN);

        private Place(String owner) {
            this.owner = owner;
        }

        private boolean startStreaming() {
            return state.compareAndSet(TAKEN, STREAMING);
        }

        private void endStreaming() {
            if (state.compareAndSet(STREAMING, GIVEN_BACK)) {
                release(owner);
            }
        }

        /** The request ended (answered, or its client gone): the place is free again unless a stream holds it. */
        public void giveBackUnlessStreaming() {
            if (state.compareAndSet(TAKEN, GIVEN_BACK)) {
                release(owner);
            }
        }
    }

    /**
     * Counts one more stream of {@code caller}'s, or fails past a cap; returns whose it is counted as. Checked and
     * counted under one lock (streams open and end far less often than they send), so that streams opening together
     * get the answer of the cap they meet: the owner's a 429, the pod's a 503.
     */
    private String takeStream(Caller caller) {
        String mine = owner(caller);
        synchronized (perOwner) {
            java.util.Optional<TooManyStreamsException> full = capMet(mine);
            if (full.isPresent()) {
                throw full.get();
            }
            perOwner.merge(mine, 1, Integer::sum);
            open.incrementAndGet();
        }
        return mine;
    }

    /** A stream of {@code owner}'s ended: the owner's count goes with its last one. */
    private void release(String owner) {
        synchronized (perOwner) {
            perOwner.computeIfPresent(owner, (k, streams) -> streams <= 1 ? null : streams - 1);
            open.decrementAndGet();
        }
    }

    /** Whose streams a caller's are counted as: its owner's; all admins' together. */
    private static String owner(Caller caller) {
        return caller.admin() ? "" : caller.owner();
    }

    /**
     * The changes of every record {@code caller} may see ({@code status}: only those in it), from now on, one message
     * per change, and after a lost {@code LISTEN} connection every record changed meanwhile ({@link #resyncLists});
     * it ends only where it would fall {@link #LIST_BACKLOG} changes behind: a reader that slow, or more records changed
     * while the connection was lost (it reconnects and reads the records it missed with {@code GET /media}). The
     * stream holds {@code place} until it ends.
     */
    public Multi<Message> watchAll(Caller caller, Place place, java.util.Optional<MediaStatus> status) {
        return Multi.createFrom().<Message>emitter(emitter -> {
            if (!place.startStreaming()) {
                emitter.complete(); // its request ended before the stream started: the place is given back
                return;
            }
            ListWatcher watcher = new ListWatcher(caller, status, emitter);
            boolean first = lists.isEmpty();
            lists.add(watcher);
            if (first) {
                listsBegin();
            }
            emitter.onTermination(() -> {
                lists.remove(watcher);
                place.endStreaming();
            });
        }, BackPressureStrategy.BUFFER)
                .onOverflow().buffer(LIST_BACKLOG)
                // a reader that far behind: its stream ends as a stream ends (the client reconnects and reads what
                // it missed with GET /media), not cut as a failure
                .onFailure(io.smallrye.mutiny.subscription.BackPressureFailure.class).recoverWithCompletion();
    }

    /** Changes a stream of all records may have pending for a slow reader before it is ended. */
    static final int LIST_BACKLOG = 256;

    /** A notice: the record changed (committed). */
    private void changed(String id) {
        lastNoticeNanos = System.nanoTime();
        if (watchers.containsKey(id) || !lists.isEmpty()) {
            read(id);
        }
    }

    private void resync() {
        watchers.keySet().forEach(this::read);
    }

    /**
     * Reads the record and hands it to its watchers. Records due are read together, those of one
     * {@code media.live.read-window} and those due while reads are under way, up to {@link #READ_BATCH} in one read
     * (one query), at most {@code media.live.max-reads} reads at once on this pod, so that a wave of changes
     * costs a few reads and leaves the database pool to the pipeline's steps. A record is in one read at a time: a
     * change (or a new watcher) while it is being read has it read once more after, however many come meanwhile.
     */
    private void read(String id) {
        List<UniEmitter<? super MediaQueries.Details>> refused = null;
        synchronized (reads) {
            if (reading.contains(id)) {
                readAgain.add(id);
                return;
            }
            if (due.size() < MAX_DUE) {
                due.add(id);
            } else {
                // dropped: the periodic resync reads every watched record again; a stream about to open is refused
                refused = lookups.remove(id);
            }
        }
        if (refused != null) {
            lookingUp.addAndGet(-refused.size());
            refused.forEach(emitter -> emitter.fail(new TooManyStreamsException("this replica has too many records "
                    + "to read; try again", false)));
        }
        gather();
    }

    /**
     * Starts the reads due once {@code media.live.read-window} has passed since the first change due, so that the
     * changes of a window share one read (a wave of changes costs a few reads however it is spread over time); at
     * once without a window.
     */
    private void gather() {
        if (readWindowMillis == 0) {
            readDue();
            return;
        }
        synchronized (reads) {
            if (gathering) {
                return; // the window under way reads it
            }
            gathering = true;
        }
        vertx.setTimer(readWindowMillis, ignored -> {
            synchronized (reads) {
                gathering = false;
            }
            readDue();
        });
    }

    /** Starts reads of the records due while fewer than {@code max-reads} are under way. */
    private void readDue() {
        while (true) {
            List<String> batch = new java.util.ArrayList<>();
            Map<String, List<UniEmitter<? super MediaQueries.Details>>> answering = new java.util.HashMap<>();
            synchronized (reads) {
                if (readsUnderWay >= maxReads || due.isEmpty()) {
                    return;
                }
                var next = due.iterator();
                while (next.hasNext() && batch.size() < READ_BATCH) {
                    batch.add(next.next());
                    next.remove();
                }
                reading.addAll(batch);
                readsUnderWay++;
                // those who asked before this read started: a read under way may have missed what they look for
                for (String id : batch) {
                    List<UniEmitter<? super MediaQueries.Details>> waiting = lookups.remove(id);
                    if (waiting != null) {
                        answering.put(id, waiting);
                    }
                }
            }
            readNow(batch, answering);
        }
    }

    /** A read ended: its records again if asked meanwhile (behind the others due), then the next ones due. */
    private void readDone(List<String> batch) {
        synchronized (reads) {
            readsUnderWay--;
            for (String id : batch) {
                reading.remove(id);
                if (readAgain.remove(id)) {
                    due.add(id); // what it asked for may have committed after this read's query
                }
            }
        }
        readDue();
    }

    /** Records read together at most, in one query with their branches. */
    static final int READ_BATCH = 100;
    /** Records due for a read at most (each once): past it a record waits for the next resync. */
    static final int MAX_DUE = 100_000;
    private final Object reads = new Object();
    /** Guarded by {@link #reads}: reads under way, their records, those to read again after, those waiting. */
    private int readsUnderWay;
    /** Guarded by {@link #reads}: a window is gathering the changes due before their read starts. */
    private boolean gathering;
    private final Set<String> reading = new java.util.HashSet<>();
    private final Set<String> readAgain = new java.util.HashSet<>();
    private final java.util.LinkedHashSet<String> due = new java.util.LinkedHashSet<>();

    private void readNow(List<String> batch, Map<String, List<UniEmitter<? super MediaQueries.Details>>> answering) {
        long started = System.nanoTime();
        long read = readsBegun.incrementAndGet();
        onNewContext(() -> queries.details(batch).subscribe().with(found -> {
            try {
                Map<String, MediaQueries.Details> byId = new java.util.HashMap<>();
                found.forEach(details -> {
                    byId.put(details.media().getId(), details);
                    deliver(details.media().getId(), Change.of(details), read);
                });
                answering.forEach((id, waiting) -> waiting.forEach(emitter -> emitter.complete(byId.get(id))));
            } finally {
                readTime.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
                lookingUp.addAndGet(-answering.values().stream().mapToInt(List::size).sum());
                readDone(batch);
            }
        }, failure -> {
            Log.warnf("Live progress: reading %d media record(s) failed (%s); the next change or resync reads them "
                    + "again", batch.size(), failure.getMessage());
            if (!lists.isEmpty()) {
                // a resync reads the watched records again, not those only the streams of all records wait for
                vertx.setTimer(1_000, ignored -> batch.forEach(this::read));
            }
            answering.forEach((id, waiting) -> waiting.forEach(emitter -> emitter.fail(failure)));
            lookingUp.addAndGet(-answering.values().stream().mapToInt(List::size).sum());
            readDone(batch);
        }));
    }

    /** Runs {@code work} on a new duplicated context of its own, where a Hibernate Reactive session may be opened. */
    private void onNewContext(Runnable work) {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(ignored -> work.run());
    }

    /**
     * The record as a read started from now finds it (null when there is none): a stream about to open learns from it
     * whether the record exists and whose it is, in the same batched reads as the changes, so that many streams
     * opening at once cost a few reads, not a query each. Past {@code max-streams} lookups waiting on this pod, a
     * {@link TooManyStreamsException} at once.
     */
    public Uni<MediaQueries.Details> lookup(String id) {
        return Uni.createFrom().emitter(emitter -> {
            if (lookingUp.incrementAndGet() > maxStreams) {
                lookingUp.decrementAndGet();
                emitter.fail(new TooManyStreamsException("this replica is opening " + maxStreams
                        + " streams (media.live.max-streams); try again", false));
                return;
            }
            synchronized (reads) {
                lookups.computeIfAbsent(id, k -> new java.util.ArrayList<>()).add(emitter);
            }
            read(id);
        });
    }

    /** Guarded by {@link #reads}: lookups waiting for the next read of their record. */
    private final Map<String, List<UniEmitter<? super MediaQueries.Details>>> lookups = new java.util.HashMap<>();
    private final AtomicInteger lookingUp = new AtomicInteger();
    /** Reads begun on this pod: a read's number tells its watchers whether it began after they did. */
    private final AtomicLong readsBegun = new AtomicLong();

    private void deliver(String id, Change change, long read) {
        highestRead.accumulateAndGet(change.version(), Math::max);
        Set<Watcher> set = watchers.get(id);
        if (set != null) {
            set.forEach(watcher -> watcher.offer(change, read));
        }
        if (!lists.isEmpty() && newForLists(change)) {
            lists.forEach(list -> list.offer(change));
        }
    }

    /**
     * Whether the streams of all records have not been given this version of the record or a later one: a record read
     * again (a resync, a stream opening) or two reads ending out of order send nothing twice. One map for the pod, not
     * one per stream, at most {@link #LISTED} records (then it starts again: a record seen long ago may be sent once
     * more, never missed).
     */
    private boolean newForLists(Change change) {
        boolean[] fresh = { false };
        listed.compute(change.details().media().getId(), (id, before) -> {
            fresh[0] = before == null || change.version() > before;
            return fresh[0] ? change.version() : before;
        });
        if (listed.size() > LISTED) {
            listed.clear();
        }
        return fresh[0];
    }

    /** Records whose last version given to the streams of all records this pod keeps, at most. */
    static final int LISTED = 10_000;
    private final Map<String, Long> listed = new ConcurrentHashMap<>();

    /** A stream of every record its caller may see (in one status, when asked). */
    private final class ListWatcher {
        final Caller caller;
        final java.util.Optional<MediaStatus> status;
        final MultiEmitter<? super Message> emitter;

        ListWatcher(Caller caller, java.util.Optional<MediaStatus> status, MultiEmitter<? super Message> emitter) {
            this.caller = caller;
            this.status = status;
            this.emitter = emitter;
        }

        void offer(Change change) {
            var media = change.details().media();
            if (caller.mayAccess(media.getOwner()) && status.filter(s -> s != media.getStatus()).isEmpty()) {
                emitter.emit(change);
                sent.increment();
            }
        }
    }

    /** One stream: the last version it was given; at most one state waits for its reader (LATEST). */
    private final class Watcher {
        final String id;
        final MultiEmitter<? super Message> emitter;
        final AtomicLong given;
        /** The reads begun before this stream: what they found may be older than what its client saw elsewhere. */
        final long readsBefore;

        Watcher(String id, MultiEmitter<? super Message> emitter, long lastSeen) {
            this.id = id;
            this.emitter = emitter;
            this.given = new AtomicLong(lastSeen);
            this.readsBefore = readsBegun.get();
        }

        /** Until the first state is offered: a {@code Last-Event-ID} above it was never one of this record's. */
        volatile boolean first = true;

        /**
         * A heartbeat if the reader waits; under the stream's lock, as the changes are offered: a change emitted
         * between the check and the heartbeat would otherwise be the one state pending (LATEST), and the heartbeat
         * would take its place.
         */
        synchronized void idle() {
            LiveMedia.idle(emitter);
        }

        synchronized void offer(Change change, long read) {
            if (read <= readsBefore) {
                // a read begun before this stream (it delivers to whoever watches when it ends): only a version
                // above what the client has counts; what the record is now comes with the stream's own read
                long previous = given.getAndAccumulate(change.version(), Math::max);
                if (change.version() > previous) {
                    send(change);
                }
                return;
            }
            if (first) {
                first = false;
                // versions only grow: a client cannot have seen one above the record's current one (an id of
                // another stream, or made up): it gets the current state, as a new stream does
                given.accumulateAndGet(change.version(), (seen, now) -> seen > now ? NOTHING_SEEN : seen);
            }
            long previous = given.getAndAccumulate(change.version(), Math::max);
            if (change.version() > previous) {
                send(change);
            } else if (change.terminal()) {
                // seen already (resumed at the final state): nothing more will come for this round
                emitter.complete();
            }
        }

        private void send(Change change) {
            emitter.emit(change);
            sent.increment();
            if (change.terminal()) {
                emitter.complete(); // nothing more will come for this round
            }
        }
    }
}
