package io.mediafanout.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.erdtman.jcs.NumberToJSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.auth.Signatures;

/**
 * Plays the Inngest executor against the serve endpoint, over real HTTP, the way the server drives a run in the
 * classic protocol (execution version 2): discovery calls ({@code stepId=step}), planned steps called by id
 * concurrently, {@code disable_immediate_execution} after a parallel plan (reset once the parallel group is done),
 * per-step attempts up to {@code max_attempts}, {@code Retry-After}, {@code X-Inngest-No-Retry}, and completion.
 * An answer of several ops is a parallel group, as Inngest's executor keeps it ({@code SavePending},
 * {@code shouldEnqueueDiscovery}): the next discovery call comes once every op of it has ended, waits and sleeps
 * included; when its ops carry {@code opts.parallelMode: "race"}, as soon as one wait or sleep ends (its planned steps
 * are still awaited together: Inngest would call after each, so race-mode call counts here are a lower bound).
 * In cloud mode it signs every request (over canonical JSON, as the server does) and verifies every response
 * signature.
 * <p>
 * Async ops: a {@code WaitForEvent} creates a pause (de-duplicated by op id, as Inngest does: the SDK reports a
 * pending wait on every discovery call) that resolves with the whole matching event, or with {@code null} at its
 * timeout; a {@code Sleep} memoises {@code null} when it elapses. Wait ops of an answer are registered before its
 * planned steps are called, so an event sent while such a step runs matches. Times are multiplied by
 * {@link #timeScale(double)}; with {@link #skipIdleTime()} the time a run spends with nothing to do but wait is
 * skipped. Events reach the emulator through {@link #deliver(List)} (one emulator) or
 * {@link #deliverToAll(List)} (every live emulator: what {@link FakeInngestApi}'s event API does); an emulator is
 * live while one of its runs is in progress, or from {@link #register()} until {@link #close()}.
 */
public final class ExecutorEmulator implements AutoCloseable {

    /**
     * One HTTP call the emulator made; {@code durationMillis} is its wall-clock time; {@code error} is the error the
     * answer carried (a {@code StepError}/{@code StepFailed} op's {@code error}, or the body of a failed function), or
     * null.
     */
    public record Call(String stepId, int attempt, int status, List<String> ops, String noRetry, String retryAfter,
            double durationMillis, JsonNode error) {
        public Call(String stepId, int attempt, int status, List<String> ops, String noRetry, String retryAfter,
                double durationMillis) {
            this(stepId, attempt, status, ops, noRetry, retryAfter, durationMillis, null);
        }

        public Call(String stepId, int attempt, int status, List<String> ops, String noRetry, String retryAfter) {
            this(stepId, attempt, status, ops, noRetry, retryAfter, 0);
        }

        /** The error's message, or null. */
        public String errorMessage() {
            return error == null || !error.path("message").isTextual() ? null : error.path("message").asText();
        }
    }

    /**
     * A pause ({@code WaitForEvent}) or sleep ({@code Sleep}) of a run. {@code event}/{@code expression} only for
     * waits; {@code scheduledMillis} is the (scaled) timeout or sleep; {@code outcome} is {@code event},
     * {@code timeout}, {@code elapsed} or {@code pending} (the run ended first); {@code waitedMillis} is how long it
     * lasted.
     */
    public record Pause(String id, String op, String event, String expression, long scheduledMillis, String outcome,
            double waitedMillis) {
    }

    /**
     * How a run ended: {@code completed} (200) or {@code failed}. {@code waitedMillis} is the time the run spent
     * blocked on pending waits and sleeps with nothing else to do.
     */
    public record Run(String status, JsonNode output, List<Call> calls, Map<String, JsonNode> steps, List<Pause> pauses,
            double waitedMillis) {
        public List<Call> callsFor(String stepHash) {
            return calls.stream().filter(c -> c.stepId().equals(stepHash)).toList();
        }

        /** Time spent inside calls to the service: what Inngest counts against a function's concurrency. */
        public double slotMillis() {
            return calls.stream().mapToDouble(Call::durationMillis).sum();
        }

        /**
         * Calls that executed something: discovery calls that got an answer, and targeted calls answered 206 with a
         * {@code StepRun}, {@code StepError} or {@code StepFailed} (each call counted once).
         */
        public long stepExecutions() {
            return calls.stream().filter(c -> c.status() != 0 && (c.stepId().equals("step") || (c.status() == 206
                    && c.ops().stream().anyMatch(op -> op.equals("StepRun") || op.equals("StepError")
                            || op.equals("StepFailed")))))
                    .count();
        }

        public List<Pause> pausesFor(String stepHash) {
            return pauses.stream().filter(p -> p.id().equals(stepHash)).toList();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CALLS = 2_000;
    private static final Duration EVENT_ID_DEDUPLICATION = Duration.ofHours(24);
    /** Emulators that receive events from {@link #deliverToAll(List)}. */
    private static final Set<ExecutorEmulator> LIVE = ConcurrentHashMap.newKeySet();
    private static final AtomicLong EVENT_IDS = new AtomicLong();
    private static final ScheduledThreadPoolExecutor TIMERS = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "executor-emulator-timers");
        t.setDaemon(true);
        return t;
    });
    static {
        TIMERS.setRemoveOnCancelPolicy(true);
    }

    private final URI serveUrl;
    private final String fnId;
    private final Optional<String> signingKey;
    private final int maxAttempts;
    private final Duration maxRetryWait;
    private volatile java.util.function.BiConsumer<String, Integer> beforeCall = (stepId, attempt) -> {
    };
    private volatile Duration connectionRetryDelay = Duration.ofSeconds(2);
    private volatile double timeScale = 1.0;
    private volatile boolean skipIdleTime;
    /** The function's {@code cancel[]} (its sync configuration): events that cancel a run they match. */
    private final List<Cancellation> cancelOn = new CopyOnWriteArrayList<>();

    private record Cancellation(String event, Condition condition) {
    }

    /** Runs in progress: the ones whose pauses an event may resolve. */
    private final Set<RunState> activeRuns = ConcurrentHashMap.newKeySet();
    /**
     * Runs with a wait, by {@link #pauseKey}: the event name, and the value a wait's {@code if} pins a field of the
     * candidate to ({@code async.data.x == 'literal'} or {@code == event.data.y}). An event is offered to the runs
     * that may match it, not to every run (a burst has thousands): Inngest indexes its pauses the same way. An entry
     * may outlive its wait (the run checks the whole expression); a run's entries go when the run ends.
     */
    private final Map<String, Set<RunState>> pauseIndex = new ConcurrentHashMap<>();
    /** The candidate fields (dotted paths) waits on each event name are indexed by. */
    private final Map<String, Set<String>> indexedFields = new ConcurrentHashMap<>();
    private boolean registered;
    private final Map<String, Long> recentEventIds = new ConcurrentHashMap<>();
    private final List<JsonNode> receivedEvents = new CopyOnWriteArrayList<>();
    private final AtomicInteger duplicateEvents = new AtomicInteger();
    /** Calls sent and not answered yet (see {@link #callsInFlight()}). */
    private final AtomicInteger inFlight = new AtomicInteger();
    /**
     * Generous timeouts, as Inngest's own: a step call may be slow (Ittybit retries, a saturated machine),
     * and on a saturated machine (1,000 runs on 2 cores) connecting can take seconds.
     */
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    /** Planned steps are called concurrently, as the server does (not on the 1-thread common pool of 2 cores). */
    private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "executor-emulator");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param signingKey signs requests and verifies responses when present (cloud mode)
     * @param retries the function's retries: {@code max_attempts = retries + 1}
     * @param maxRetryWait cap on how long a {@code Retry-After} is waited for (keeps tests short)
     */
    public ExecutorEmulator(URI serveUrl, String fnId, Optional<String> signingKey, int retries, Duration maxRetryWait) {
        this.serveUrl = serveUrl;
        this.fnId = fnId;
        this.signingKey = signingKey;
        this.maxAttempts = retries + 1;
        this.maxRetryWait = maxRetryWait;
    }

    /**
     * Cancels runs as Inngest does for the function's {@code cancel[]}, read from its sync configuration
     * ({@code functionConfig}, one element of the sync payload's {@code functions}): an event received with the
     * cancel's name whose {@code if} holds ({@code event}: the run's event, {@code async}: the received one) ends the
     * run as {@code cancelled}; no further call is made for it and its pauses are dropped.
     */
    public ExecutorEmulator cancelOn(JsonNode functionConfig) {
        for (JsonNode cancel : functionConfig.path("cancel")) {
            String expression = cancel.path("if").asText("");
            cancelOn.add(new Cancellation(cancel.path("event").asText(),
                    expression.isBlank() ? null : Condition.parse(expression)));
        }
        return this;
    }

    /**
     * Concurrency queues, shared by every emulator in the JVM (one Inngest environment), by name: scope, key (and the
     * key's value for the run's event) and limit.
     */
    private static final Map<String, Queue> LIMITS = new ConcurrentHashMap<>();
    /** Throttles, shared by every emulator in the JVM, by function, key value and settings. */
    private static final Map<String, Throttle> THROTTLES = new ConcurrentHashMap<>();
    /** Guards every {@link Queue}'s count and {@link #BACKLOGS}: a call takes all its permits at once, or none. */
    private static final Object GATE = new Object();
    /**
     * Calls waiting for room, by backlog (guarded by {@link #GATE}): as Inngest's key queues, one backlog per set of
     * key values the call falls under (so per owner with {@code event.data.owner}), run starts apart from the calls of
     * runs under way; each backlog in arrival order.
     */
    private static final Map<String, ArrayDeque<Waiter>> BACKLOGS = new LinkedHashMap<>();
    private static final Random SHUFFLE = new Random(33);

    /** One concurrency limit for one key value: {@code used} of {@code limit} calls in flight. */
    private static final class Queue {
        final String name;
        final int limit;
        int used;

        Queue(String name, int limit) {
            this.name = name;
            this.limit = limit;
        }

        @Override
        public String toString() {
            return name + " (" + used + "/" + limit + ")";
        }
    }

    private static final class Waiter {
        final List<Queue> queues;
        /** Its backlog: the queues' names (the key values), and whether the call starts a run. */
        final String backlog;
        final boolean start;
        boolean granted;

        Waiter(List<Queue> queues, boolean start) {
            this.queues = queues;
            this.start = start;
            this.backlog = (start ? "start " : "") + queues.stream().map(q -> q.name).toList();
        }

        boolean fits() {
            return queues.stream().allMatch(q -> q.used < q.limit);
        }
    }

    /** A declared limit: its queue's name is {@code prefix}, then the key's value when {@code key} is an expression. */
    private record Limit(String prefix, Key key, int limit) {
        Queue queueFor(JsonNode event) {
            String name = key.constant() ? prefix : prefix + " = " + key.valueFor(event);
            return LIMITS.computeIfAbsent(name + " " + limit, n -> new Queue(n, limit));
        }
    }

    /** A function's declared {@code throttle}: per key value, at most {@code limit + burst} starts at once. */
    private record ThrottleConfig(String prefix, Key key, int limit, int burst, Duration period) {
    }

    private final List<Limit> concurrency = new CopyOnWriteArrayList<>();
    private volatile ThrottleConfig throttle;
    /** Calls of this emulator waiting for room in their limits (see {@link #callsQueued()}). */
    private final AtomicInteger queued = new AtomicInteger();
    /** Runs of this emulator held by the throttle (see {@link #runsThrottled()}). */
    private final AtomicInteger throttled = new AtomicInteger();

    /**
     * Honours the function's {@code concurrency} as Inngest does, read from its sync configuration: at most
     * {@code limit} calls in flight per limit and per value of its {@code key} for the run's event, the excess waiting
     * here (upstream, before any call is made); a call is made when every limit it falls under has room. A limit with
     * scope {@code env} or {@code account} and a key is shared by every function declaring the same key and limit
     * (with a key expression: per value); any other is the function's own. Keys understood: a quoted constant
     * ({@code "\"name\""}) and {@code event.<path>} (e.g. {@code event.data.owner}), a missing or null value being
     * one key of its own (Inngest's {@code null}); any other fails with an {@link AssertionError}.
     * <p>
     * Also honours its {@code throttle} ({@code limit}, {@code period}, {@code burst}, {@code key}): per key value,
     * runs start as Inngest's GCRA lets them, {@code limit + burst} at once then one every {@code period / limit}
     * (scaled by {@link #timeScale(double)}), in arrival order (FIFO); a throttled run starts later, it never fails.
     */
    public ExecutorEmulator concurrency(JsonNode functionConfig) {
        for (JsonNode limit : functionConfig.path("concurrency")) {
            String scope = limit.path("scope").asText("fn");
            String key = limit.path("key").asText("");
            String queue = !scope.equals("fn") && !key.isBlank() ? scope + " " + key : "fn " + fnId + " " + key;
            concurrency.add(new Limit(queue, Key.parse(key), limit.path("limit").asInt()));
        }
        JsonNode t = functionConfig.path("throttle");
        if (t.isObject()) {
            String key = t.path("key").asText("");
            int limit = Math.max(1, t.path("limit").asInt(1));
            int burst = Math.max(0, t.path("burst").asInt(0));
            Duration period = parseDuration(t.path("period").asText(""));
            throttle = new ThrottleConfig("fn " + fnId + " " + key + " " + limit + "/" + period + "+" + burst,
                    Key.parse(key), limit, burst, period);
        }
        return this;
    }

    /** Forgets every shared limit and throttle (between tests that declare different ones). */
    public static void resetConcurrency() {
        LIMITS.clear();
        THROTTLES.clear();
    }

    /** Calls of this emulator waiting for room in their concurrency limits now. */
    public int callsQueued() {
        return queued.get();
    }

    /** Runs of this emulator waiting for their throttle to let them start now. */
    public int runsThrottled() {
        return throttled.get();
    }

    /**
     * Takes a permit of every queue at once, waiting until all have room. A call never holds one limit's permit while
     * it waits for another's (as Inngest, which leases a queue item only when every limit it falls under has
     * capacity): with permits taken one limit at a time, owner A's calls waiting on A's full per-key limit would hold
     * the app-wide limit's permits, and owner B's call would wait behind them though B's own limit has room.
     * <p>
     * Fairness as Inngest's key queues ({@code pkg/execution/queue/shadow_process.go}): waiting calls sit in backlogs,
     * one per set of key values (an owner's calls apart from another owner's) and run starts apart from the calls of
     * runs under way; on every release the backlogs are visited in a random order weighted 10:1 for runs under way
     * over starts ({@code ShuffleBacklogs}), each granting its calls in arrival order while they fit. So a backlog of
     * thousands of one owner's calls does not hold another owner's call behind it: it waits for the next free slot,
     * not for the backlog. Without keyed limits every call of a kind is in one backlog: arrival order, as Inngest.
     */
    private void acquire(List<Queue> queues, boolean start) throws InterruptedException {
        if (queues.isEmpty()) {
            return;
        }
        Waiter waiter = new Waiter(queues, start);
        synchronized (GATE) {
            BACKLOGS.computeIfAbsent(waiter.backlog, b -> new ArrayDeque<>()).addLast(waiter);
            grant();
            if (!waiter.granted) {
                queued.incrementAndGet();
                try {
                    while (!waiter.granted) {
                        GATE.wait();
                    }
                } catch (InterruptedException e) {
                    if (waiter.granted) {
                        release(queues);
                    } else {
                        ArrayDeque<Waiter> backlog = BACKLOGS.get(waiter.backlog);
                        if (backlog != null && backlog.remove(waiter) && backlog.isEmpty()) {
                            BACKLOGS.remove(waiter.backlog);
                        }
                    }
                    throw e;
                } finally {
                    queued.decrementAndGet();
                }
            }
        }
    }

    private static void release(List<Queue> queues) {
        if (queues.isEmpty()) {
            return;
        }
        synchronized (GATE) {
            for (Queue q : queues) {
                q.used--;
            }
            grant();
        }
    }

    /**
     * Under {@link #GATE}: visits the backlogs in a weighted random order (runs under way 10, starts 1, as
     * {@code ShuffleBacklogs}), each granting its calls in arrival order while its head fits (the calls of one backlog
     * fall under the same queues).
     */
    private static void grant() {
        if (BACKLOGS.isEmpty()) {
            return;
        }
        // weighted order without replacement: sort by u^(1/w), largest first (Efraimidis-Spirakis)
        List<Map.Entry<String, ArrayDeque<Waiter>>> order = new ArrayList<>();
        Map<Map.Entry<String, ArrayDeque<Waiter>>, Double> rank = new HashMap<>();
        for (Map.Entry<String, ArrayDeque<Waiter>> backlog : BACKLOGS.entrySet()) {
            double weight = backlog.getValue().peekFirst().start ? 1.0 : 10.0;
            rank.put(backlog, Math.pow(SHUFFLE.nextDouble(), 1.0 / weight));
            order.add(backlog);
        }
        order.sort((a, b) -> Double.compare(rank.get(b), rank.get(a)));
        boolean any = false;
        for (Map.Entry<String, ArrayDeque<Waiter>> backlog : order) {
            ArrayDeque<Waiter> waiting = backlog.getValue();
            while (!waiting.isEmpty() && waiting.peekFirst().fits()) {
                Waiter w = waiting.pollFirst();
                w.queues.forEach(q -> q.used++);
                w.granted = true;
                any = true;
            }
            if (waiting.isEmpty()) {
                BACKLOGS.remove(backlog.getKey());
            }
        }
        if (any) {
            GATE.notifyAll();
        }
    }

    /** The GCRA state of one throttle key: the theoretical arrival time of the next start. */
    private static final class Throttle {
        long tatNanos = Long.MIN_VALUE;

        /** Reserves the next start (FIFO: in call order) and returns the nanoTime at which it may happen. */
        synchronized long reserve(long now, long emissionNanos, long toleranceNanos) {
            long tat = tatNanos == Long.MIN_VALUE ? now : Math.max(tatNanos, now);
            long startAt = Math.max(now, tat - toleranceNanos);
            tatNanos = tat + emissionNanos;
            return startAt;
        }
    }

    /** Holds a run until its throttle lets it start (never fails it). */
    private void awaitThrottle(RunState run) throws InterruptedException {
        ThrottleConfig config = throttle;
        if (config == null) {
            return;
        }
        String name = config.key().constant() ? config.prefix() : config.prefix() + " = " + config.key().valueFor(run.event);
        long emission = Math.round(config.period().toNanos() * timeScale / config.limit());
        long tolerance = emission * (config.limit() + config.burst() - 1L);
        long startAt = THROTTLES.computeIfAbsent(name, n -> new Throttle()).reserve(System.nanoTime(), emission,
                tolerance);
        long waitNanos = startAt - System.nanoTime();
        if (waitNanos > 0) {
            throttled.incrementAndGet();
            try {
                TimeUnit.NANOSECONDS.sleep(waitNanos);
            } finally {
                throttled.decrementAndGet();
            }
        }
    }

    /**
     * A concurrency or throttle {@code key}: none (blank), a quoted constant, or {@code event.<path>} evaluated
     * against the run's event (a missing or null value is the key {@code null}, one key of its own).
     */
    private record Key(String constantValue, List<String> path) {
        private static final Pattern REFERENCE = Pattern.compile("event((?:\\.[A-Za-z_][A-Za-z0-9_]*)+)");

        static Key parse(String expression) {
            String s = expression.trim();
            if (s.isEmpty()) {
                return new Key("", null);
            }
            if (s.length() >= 2 && (s.charAt(0) == '"' || s.charAt(0) == '\'') && s.charAt(s.length() - 1) == s.charAt(0)) {
                return new Key(s, null);
            }
            Matcher m = REFERENCE.matcher(s);
            if (!m.matches()) {
                throw new AssertionError("the executor emulator does not understand the key expression \"" + expression
                        + "\" (supported: event.<path>, e.g. event.data.owner, and a quoted constant)");
            }
            return new Key(null, List.of(m.group(1).substring(1).split("\\.")));
        }

        boolean constant() {
            return path == null;
        }

        String valueFor(JsonNode event) {
            JsonNode node = event;
            for (String field : path) {
                node = node == null ? null : node.get(field);
            }
            return node == null || node.isNull() ? "null" : node.isTextual() ? node.asText() : node.toString();
        }
    }

    /** Runs {@code hook(stepId, attempt)} before every call (fault injection in tests). */
    public ExecutorEmulator beforeCall(java.util.function.BiConsumer<String, Integer> hook) {
        this.beforeCall = hook;
        return this;
    }

    /**
     * The service is away (killed, rolled out): while it is, the emulator's next calls wait for it to be back, as
     * Inngest's retries back off for longer than a restart takes. Use with {@code beforeCall(outage::hold)}.
     */
    public static final class Outage {
        private final java.util.concurrent.atomic.AtomicBoolean away = new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.concurrent.CountDownLatch back = new java.util.concurrent.CountDownLatch(1);

        public void begin() {
            away.set(true);
        }

        /** The service is back (one outage per instance). */
        public void end() {
            away.set(false);
            back.countDown();
        }

        /** A {@link #beforeCall} hook: waits (at most 2 minutes) while the service is away. */
        public void hold(String stepId, Integer attempt) {
            if (away.get()) {
                try {
                    back.await(120, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** {@link #run} on another thread. */
    public java.util.concurrent.CompletableFuture<Run> runAsync(String eventName, JsonNode eventData) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return run(eventName, eventData);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** How long to wait before retrying a call that could not connect (the service is restarting). */
    public ExecutorEmulator connectionRetryDelay(Duration delay) {
        this.connectionRetryDelay = delay;
        return this;
    }

    /**
     * Multiplies every wait timeout and sleep duration (0.001 makes a {@code 2h} timeout last 7.2 s), so tests can
     * simulate hours.
     */
    public ExecutorEmulator timeScale(double scale) {
        if (!(scale >= 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("time scale must be a finite number >= 0: " + scale);
        }
        this.timeScale = scale;
        return this;
    }

    /**
     * Skips the time a run spends with nothing to do but wait, the way the Inngest dev server lets one skip a sleep:
     * whenever none of the run's calls is in flight and it only waits for its pauses (the service answered with
     * pending waits or sleeps alone), the run's clock jumps to the end of the earliest one, which ends at once; the
     * others keep their remaining time. While calls are in flight time runs as usual, so a wait still outlasts the
     * steps planned beside it: the run makes the calls, with the same answers, that it makes in real time, without
     * the idle seconds. For runs whose waits no event ends (no Ittybit webhooks, no event delivered while the run
     * waits): an event that would have come in a skipped period comes too late.
     */
    public ExecutorEmulator skipIdleTime() {
        this.skipIdleTime = true;
        return this;
    }

    /** Receives events from {@link #deliverToAll(List)} even between runs, until {@link #close()}. */
    public ExecutorEmulator register() {
        synchronized (activeRuns) {
            registered = true;
            LIVE.add(this);
        }
        return this;
    }

    /** Stops receiving events and stops its threads; runs still in progress lose their timers. */
    @Override
    public void close() {
        synchronized (activeRuns) {
            registered = false;
            LIVE.remove(this);
        }
        for (RunState run : activeRuns) {
            run.cancelTimers();
        }
        pool.shutdown();
    }

    /** Hands events to every live emulator (what the event API of {@link FakeInngestApi} does). */
    public static void deliverToAll(List<? extends JsonNode> events) {
        for (ExecutorEmulator emulator : LIVE) {
            emulator.deliver(events);
        }
    }

    /**
     * Events that Inngest received through its event API: each one (not seen before with the same {@code id} in the
     * last 24 h) resolves every pending pause of this emulator's runs whose event name it has and whose {@code if}
     * expression holds. An event without {@code id} or {@code ts} gets one.
     */
    public void deliver(List<? extends JsonNode> events) {
        long now = System.currentTimeMillis();
        for (JsonNode raw : events) {
            ObjectNode event = normaliseEvent(raw, () -> "01EMUEVT" + EVENT_IDS.incrementAndGet());
            String id = event.path("id").asText();
            Long previous = recentEventIds.put(id, now);
            if (previous != null && now - previous < EVENT_ID_DEDUPLICATION.toMillis()) {
                recentEventIds.put(id, previous);
                duplicateEvents.incrementAndGet();
                continue;
            }
            receivedEvents.add(event);
            String name = event.path("name").asText();
            List<Cancellation> cancels = cancelOn.stream().filter(cancel -> cancel.event().equals(name)).toList();
            for (RunState run : cancels.isEmpty() ? Set.<RunState>of() : activeRuns) {
                for (Cancellation cancel : cancels) {
                    if (cancel.condition() == null || cancel.condition().test(run.event, event)) {
                        run.cancel();
                    }
                }
            }
            for (RunState run : waitingFor(name, event)) {
                run.offer(event);
            }
        }
    }

    /** The runs whose waits may match {@code event}: a superset of the ones that do ({@link #pauseIndex}). */
    private Set<RunState> waitingFor(String name, JsonNode event) {
        Set<RunState> runs = new java.util.HashSet<>(pauseIndex.getOrDefault(pauseKey(name, null, null), Set.of()));
        for (String field : indexedFields.getOrDefault(name, Set.of())) {
            JsonNode value = event;
            for (String part : field.split("\\.")) {
                value = value == null ? null : value.get(part);
            }
            if (value != null && !value.isNull()) {
                runs.addAll(pauseIndex.getOrDefault(pauseKey(name, field, value), Set.of()));
            }
        }
        return runs;
    }

    /** Indexes a wait of {@code run} before it is pending, so that no event delivered after it is pending misses it. */
    private void indexWait(RunState run, String name, Condition condition) {
        Optional<Map.Entry<String, JsonNode>> pinned = condition == null ? Optional.empty() : condition.pinned(run.event);
        String key = pinned.map(p -> pauseKey(name, p.getKey(), p.getValue())).orElse(pauseKey(name, null, null));
        pinned.ifPresent(p -> indexedFields.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(p.getKey()));
        pauseIndex.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(run);
        synchronized (run.indexKeys) {
            run.indexKeys.add(key);
        }
    }

    private void unindex(RunState run) {
        synchronized (run.indexKeys) {
            for (String key : run.indexKeys) {
                pauseIndex.computeIfPresent(key, (k, runs) -> {
                    runs.remove(run);
                    return runs.isEmpty() ? null : runs;
                });
            }
            run.indexKeys.clear();
        }
    }

    private static String pauseKey(String name, String field, JsonNode value) {
        return field == null ? name : name + '\u0000' + field + '\u0000' + value;
    }

    /** Events this emulator accepted (duplicates excluded), in order, as memoised for a matching wait. */
    public List<JsonNode> receivedEvents() {
        return List.copyOf(receivedEvents);
    }

    /** Events ignored because an event with the same {@code id} was received in the last 24 h. */
    public int duplicateEventsIgnored() {
        return duplicateEvents.get();
    }

    /**
     * An event as Inngest stores it: {@code name}, {@code data} (an object), {@code id} (given, or a new one),
     * {@code ts} (given, or now), {@code user}, then any other field.
     */
    public static ObjectNode normaliseEvent(JsonNode raw, java.util.function.Supplier<String> newId) {
        if (raw == null || !raw.isObject()) {
            throw new IllegalArgumentException("an event must be a JSON object: " + raw);
        }
        ObjectNode event = JSON.createObjectNode();
        event.set("name", raw.path("name").isMissingNode() ? NullNode.getInstance() : raw.get("name"));
        JsonNode data = raw.get("data");
        event.set("data", data == null || data.isNull() ? JSON.createObjectNode() : data.deepCopy());
        String id = raw.path("id").isTextual() && !raw.path("id").asText().isEmpty() ? raw.get("id").asText()
                : newId.get();
        event.put("id", id);
        event.put("ts", raw.path("ts").canConvertToLong() ? raw.get("ts").asLong() : System.currentTimeMillis());
        event.set("user", raw.path("user").isObject() ? raw.get("user").deepCopy() : JSON.createObjectNode());
        raw.fields().forEachRemaining(f -> {
            if (!event.has(f.getKey())) {
                event.set(f.getKey(), f.getValue().deepCopy());
            }
        });
        return event;
    }

    /** Runs the function for one event until it completes or fails for good. */
    public Run run(String eventName, JsonNode eventData) throws Exception {
        return track(new RunState(eventName, eventData));
    }

    /**
     * Runs the function for an event as Inngest received it (its {@code id} and {@code ts} kept, e.g. one taken from
     * {@link FakeInngestApi#receivedEvents()}).
     */
    public Run runEvent(JsonNode event) throws Exception {
        return track(new RunState(normaliseEvent(event, () -> "01EMUEVT" + EVENT_IDS.incrementAndGet())));
    }

    private Run track(RunState run) throws Exception {
        synchronized (activeRuns) {
            activeRuns.add(run);
            LIVE.add(this);
        }
        try {
            run.limits = concurrency.stream().map(limit -> limit.queueFor(run.event)).toList();
            awaitThrottle(run);
            return drive(run);
        } finally {
            run.cancelTimers();
            unindex(run);
            synchronized (activeRuns) {
                activeRuns.remove(run);
                if (activeRuns.isEmpty() && !registered) {
                    LIVE.remove(this);
                }
            }
        }
    }

    private Run drive(RunState run) throws Exception {
        int attempt = 0;
        for (int calls = 0; calls < MAX_CALLS; calls++) {
            if (run.cancelled) {
                return run.finish("cancelled", null);
            }
            long seen = run.progress();
            Response response = call(run, "step", attempt);
            boolean last = attempt >= maxAttempts - 1 || "true".equals(response.noRetry);
            if (response.status == 200) {
                return run.finish("completed", response.body);
            }
            if (response.status != 206) {
                if (last) {
                    return run.finish("failed", response.body);
                }
                waitRetryAfter(response.retryAfter, attempt);
                attempt++;
                continue;
            }
            List<JsonNode> ops = new ArrayList<>();
            response.body.forEach(ops::add);
            if (ops.size() == 1 && ops.get(0).path("op").asText().equals("StepError")) {
                // a step executed immediately failed: the same queue item is retried, or the step fails for good
                if (last) {
                    run.memoise(ops.get(0).path("id").asText(),
                            JSON.createObjectNode().set("error", ops.get(0).get("error")));
                    attempt = 0;
                } else {
                    waitRetryAfter(response.retryAfter, attempt);
                    attempt++;
                }
                continue;
            }
            attempt = 0;
            if (ops.size() > 1) {
                run.disableImmediateExecution = true;
            }
            // the server handles waits (and sleeps) of a batch first: the pause exists before a sibling step runs
            for (JsonNode op : ops) {
                switch (op.path("op").asText()) {
                    case "WaitForEvent" -> run.waitForEvent(op);
                    case "Sleep" -> run.sleep(op);
                    default -> {
                    }
                }
            }
            boolean stepWork = false;
            List<CompletableFuture<Void>> planned = new ArrayList<>();
            for (JsonNode op : ops) {
                String kind = op.path("op").asText();
                String id = op.path("id").asText();
                switch (kind) {
                    case "StepPlanned" -> planned.add(CompletableFuture.runAsync(() -> runStep(run, id), pool));
                    case "StepRun" -> {
                        run.memoise(id, JSON.createObjectNode().set("data", op.get("data")));
                        stepWork = true;
                    }
                    case "StepFailed" -> {
                        run.memoise(id, JSON.createObjectNode().set("error", op.get("error")));
                        stepWork = true;
                    }
                    case "WaitForEvent", "Sleep" -> {
                    }
                    default -> throw new AssertionError("unexpected op in a discovery answer: " + op);
                }
            }
            CompletableFuture.allOf(planned.toArray(CompletableFuture[]::new)).join();
            if (run.settledBy != null) {
                return run.finish(run.settledBy.status == 200 ? "completed" : "failed", run.settledBy.body);
            }
            boolean race = ops.stream().anyMatch(op -> "race".equals(op.path("opts").path("parallelMode").asText()));
            if (ops.size() > 1 && run.version >= 2 && !race) {
                // version 2, as Inngest's executor (SavePending, shouldEnqueueDiscovery): every op of the answer is
                // pending, waits and sleeps included; the next discovery call comes once none is
                run.awaitAll(ops.stream().map(op -> op.path("id").asText()).toList(), ops);
                run.disableImmediateExecution = false;
                continue;
            }
            if (ops.size() > 1) {
                // version 2: the parallel group is done, the server lets the next single step run immediately
                run.disableImmediateExecution = false;
            }
            if (!stepWork && planned.isEmpty()) {
                // only waits and sleeps (or nothing): the next discovery call comes when one of them resolves
                run.awaitProgress(seen, ops);
            }
        }
        throw new AssertionError("the run did not settle after " + MAX_CALLS + " calls");
    }

    /** Calls one planned step by id until it succeeds or fails for good, then memoises the outcome. */
    private void runStep(RunState run, String hash) {
        try {
            for (int attempt = 0; attempt < maxAttempts; attempt++) {
                if (run.cancelled) {
                    return;
                }
                Response response = call(run, hash, attempt);
                if (response.status == 206 && response.body.size() == 1) {
                    JsonNode op = response.body.get(0);
                    String kind = op.path("op").asText();
                    if (kind.equals("StepRun")) {
                        run.memoise(hash, JSON.createObjectNode().set("data", op.get("data")));
                        return;
                    }
                    boolean last = attempt == maxAttempts - 1 || "true".equals(response.noRetry);
                    if (kind.equals("StepFailed") || (kind.equals("StepError") && last)) {
                        run.memoise(hash, JSON.createObjectNode().set("error", op.get("error")));
                        return;
                    }
                    if (!kind.equals("StepError")) {
                        throw new AssertionError("unexpected op for a targeted call: " + op);
                    }
                } else if (response.status == 200 || "true".equals(response.noRetry)) {
                    // the function settled without reaching the step (e.g. a sibling's failure was replayed first)
                    run.settledBy = response;
                    return;
                } else if (response.status < 500) {
                    throw new AssertionError("targeted call answered " + response.status + ": " + response.body);
                }
                waitRetryAfter(response.retryAfter, attempt);
            }
            throw new AssertionError("step " + hash + " neither succeeded nor failed for good");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Before retrying a failed attempt ({@code attempt}, from 0): its {@code Retry-After} (capped by
     * {@code maxRetryWait}), else the {@link #retryBackoff(Duration) backoff}, if any.
     */
    private void waitRetryAfter(String retryAfter, int attempt) throws InterruptedException {
        if (retryAfter != null) {
            long millis = Math.min(Long.parseLong(retryAfter) * 1000, maxRetryWait.toMillis());
            Thread.sleep(millis);
        } else if (!retryBackoff.isZero()) {
            Thread.sleep(retryBackoff.toMillis() << Math.min(attempt, 10));
        }
    }

    private volatile Duration retryBackoff = Duration.ZERO;

    /**
     * Waits before retrying a failed attempt that named no {@code Retry-After}, as Inngest's backoff does:
     * {@code base}, then doubling (0 by default: at once, to keep tests short).
     */
    public ExecutorEmulator retryBackoff(Duration base) {
        this.retryBackoff = base;
        return this;
    }

    private record Response(int status, JsonNode body, String noRetry, String retryAfter) {
    }

    /**
     * One call. A connection failure counts as a failed attempt answered 500, as the Inngest executor treats it
     * (it retries the same queue item later).
     */
    private Response call(RunState run, String stepId, int attempt) throws Exception {
        beforeCall.accept(stepId, attempt);
        List<Queue> limits = run.limits;
        acquire(limits, run.calls.isEmpty());
        long start = System.nanoTime();
        boolean released = false;
        inFlight.incrementAndGet();
        boolean answered = false;
        try {
            Response response = send(run, stepId, attempt, start);
            inFlight.decrementAndGet();
            answered = true;
            return response;
        } catch (java.io.IOException unreachable) {
            inFlight.decrementAndGet();
            answered = true;
            run.calls.add(new Call(stepId, attempt, 0, List.of(), null, null, (System.nanoTime() - start) / 1e6));
            release(limits); // not held while waiting to retry
            released = true;
            Thread.sleep(connectionRetryDelay.toMillis());
            return new Response(503, JSON.nullNode(), "false", null);
        } finally {
            if (!answered) {
                inFlight.decrementAndGet();
            }
            if (!released) {
                release(limits);
            }
        }
    }

    /**
     * Calls of this emulator sent to the app and not answered (or failed) yet. With every further call held (an
     * {@link Outage} begun), 0 means no call is cut by stopping the app now.
     */
    public int callsInFlight() {
        return inFlight.get();
    }

    private Response send(RunState run, String stepId, int attempt, long start) throws Exception {
        ObjectNode body = run.body(stepId, attempt, maxAttempts);
        byte[] bytes = canonical(body).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(serveUrl + "?fnId=" + fnId + "&stepId=" + stepId))
                .timeout(Duration.ofMinutes(6))
                .header("Content-Type", "application/json")
                .header("X-Inngest-Server-Kind", signingKey.isPresent() ? "cloud" : "dev")
                .header("X-Run-ID", run.runId)
                .header("X-Inngest-Req-Version", Integer.toString(run.version))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        signingKey.ifPresent(key -> request.header("X-Inngest-Signature",
                Signatures.header(key, bytes, System.currentTimeMillis() / 1000)));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        double durationMillis = (System.nanoTime() - start) / 1e6;
        if (response.statusCode() / 100 == 2 && response.headers().firstValue("x-inngest-sdk").isEmpty()) {
            throw new AssertionError("2xx answer without X-Inngest-SDK: the server would reject it");
        }
        if (response.headers().firstValue("x-inngest-sdk").isPresent()) {
            // every SDK answer is signed; a refusal before the SDK ran (503 overload) carries no SDK headers
            signingKey.ifPresent(key -> Conformance.assertResponseSigned(response, key));
        }
        response.headers().firstValue("x-inngest-req-version").ifPresent(v -> run.version = Integer.parseInt(v));
        JsonNode json = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        List<String> ops = new ArrayList<>();
        JsonNode error = null;
        if (response.statusCode() == 206) {
            for (JsonNode op : json) {
                ops.add(op.path("op").asText());
                if (error == null && op.path("error").isObject()) {
                    error = op.get("error");
                }
            }
        } else if (response.statusCode() >= 400 && json.isObject()) {
            error = json;
        }
        String noRetry = response.headers().firstValue("x-inngest-no-retry").orElse(null);
        String retryAfter = response.headers().firstValue("retry-after").orElse(null);
        run.calls.add(new Call(stepId, attempt, response.statusCode(), ops, noRetry, retryAfter, durationMillis, error));
        return new Response(response.statusCode(), json, noRetry, retryAfter);
    }

    /**
     * The RFC 8785 (JCS) form of a JSON tree, as the server sends a request body: the text
     * {@code new JsonCanonicalizer(JSON.writeValueAsString(node))} gives, made in one pass instead of serialising,
     * parsing and serialising again (that was half the emulator's time on runs that replay hundreds of steps). Members
     * sorted by name (UTF-16 code units), no whitespace, strings escaped as ECMAScript's {@code JSON.stringify} does,
     * numbers as ECMAScript writes the double they parse to.
     */
    static String canonical(JsonNode node) throws java.io.IOException {
        StringBuilder out = new StringBuilder(1024);
        writeCanonical(node, out);
        return out.toString();
    }

    private static void writeCanonical(JsonNode node, StringBuilder out) throws java.io.IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<String> names = new ArrayList<>(node.size());
                node.fieldNames().forEachRemaining(names::add);
                Collections.sort(names);
                out.append('{');
                for (int i = 0; i < names.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    writeCanonicalString(names.get(i), out);
                    out.append(':');
                    writeCanonical(node.get(names.get(i)), out);
                }
                out.append('}');
            }
            case ARRAY -> {
                out.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    writeCanonical(node.get(i), out);
                }
                out.append(']');
            }
            case STRING -> writeCanonicalString(node.textValue(), out);
            // the double the number's JSON text parses to (as JsonCanonicalizer reads every number)
            case NUMBER -> out.append(NumberToJSON.serializeNumber(Double.parseDouble(node.asText())));
            case BOOLEAN -> out.append(node.booleanValue());
            case NULL -> out.append("null");
            default -> throw new IllegalArgumentException("not JSON: " + node.getNodeType());
        }
    }

    private static void writeCanonicalString(String text, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '"', '\\' -> out.append('\\').append(c);
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // ---------------------------------------------------------------------------------------------------------
    // time strings

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h|d|w)");

    /**
     * An Inngest/TS time string: a concatenation of {@code <number><unit>} with units {@code w, d, h, m, s, ms}
     * (and Go's {@code us, ns}), e.g. {@code 2h}, {@code 1h30m}, {@code 30s}.
     */
    public static Duration parseDuration(String text) {
        String s = text == null ? "" : text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("not a time string: \"" + text + "\"");
        }
        Matcher m = DURATION_PART.matcher(s);
        double nanos = 0;
        int pos = 0;
        while (pos < s.length()) {
            m.region(pos, s.length());
            if (!m.lookingAt()) {
                throw new IllegalArgumentException("not a time string: \"" + text + "\"");
            }
            double value = Double.parseDouble(m.group(1));
            nanos += value * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                case "d" -> 86_400e9;
                default -> 604_800e9; // w
            };
            pos = m.end();
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    /** A "sleep until" value: at least 10 characters that parse as an ISO-8601 instant; else empty. */
    public static Optional<Instant> parseInstant(String text) {
        if (text == null || text.trim().length() < 10) {
            return Optional.empty();
        }
        String s = text.trim();
        try {
            return Optional.of(Instant.parse(s));
        } catch (RuntimeException notInstant) {
            // try the other ISO forms
        }
        try {
            return Optional.of(OffsetDateTime.parse(s).toInstant());
        } catch (RuntimeException notOffset) {
            // try without zone
        }
        try {
            return Optional.of(LocalDateTime.parse(s).toInstant(ZoneOffset.UTC));
        } catch (RuntimeException notLocal) {
            return Optional.empty();
        }
    }

    /** How long a {@code Sleep} op lasts, scaled: {@code opts.duration} first, then {@code name}. */
    static long sleepMillis(JsonNode op, double scale, long nowMillis) {
        String value = op.path("opts").path("duration").isTextual() ? op.path("opts").path("duration").asText()
                : op.path("name").asText();
        Optional<Instant> until = parseInstant(value);
        if (until.isPresent()) {
            return Math.max(0, Math.round((until.get().toEpochMilli() - nowMillis) * scale));
        }
        return Math.round(parseDuration(value).toNanos() / 1e6 * scale);
    }

    // ---------------------------------------------------------------------------------------------------------
    // `if` expressions of waits

    /**
     * The subset of CEL the emulator understands in a wait's {@code if}: {@code &&} of equalities between
     * {@code event.<path>} (the run's triggering event), {@code async.<path>} (the candidate event) and quoted
     * string literals, e.g. {@code async.data.key == 'abc'} or {@code event.data.id == async.data.id}. Anything else
     * fails with an {@link AssertionError} naming the expression. A reference to a missing or null field makes the
     * expression false (an evaluation error in CEL: no match).
     */
    public static final class Condition {
        private static final Pattern REFERENCE = Pattern.compile("(event|async)((?:\\.[A-Za-z_][A-Za-z0-9_]*)+)");

        private record Operand(String root, List<String> path, String literal) {
        }

        private final String source;
        private final List<Operand[]> terms;

        private Condition(String source, List<Operand[]> terms) {
            this.source = source;
            this.terms = terms;
        }

        public static Condition parse(String expression) {
            List<Operand[]> terms = new ArrayList<>();
            for (String term : splitOutsideQuotes(expression, "&&")) {
                List<String> sides = splitOutsideQuotes(term, "==");
                if (sides.size() != 2) {
                    throw unsupported(expression);
                }
                terms.add(new Operand[] { operand(sides.get(0), expression), operand(sides.get(1), expression) });
            }
            return new Condition(expression, terms);
        }

        public String source() {
            return source;
        }

        /**
         * The first term that pins a field of the candidate to a value known before any candidate arrives (a literal,
         * or a field of the run's {@code event}): the field's dotted path and the value; empty when there is none.
         */
        Optional<Map.Entry<String, JsonNode>> pinned(JsonNode event) {
            for (Operand[] term : terms) {
                for (int side = 0; side < 2; side++) {
                    Operand candidate = term[side];
                    Operand other = term[1 - side];
                    if ("async".equals(candidate.root) && !"async".equals(other.root)) {
                        JsonNode value = value(other, event, null);
                        if (value != null) {
                            return Optional.of(Map.entry(String.join(".", candidate.path), value));
                        }
                    }
                }
            }
            return Optional.empty();
        }

        /** Whether {@code async} (the candidate event) satisfies the expression for a run triggered by {@code event}. */
        public boolean test(JsonNode event, JsonNode async) {
            for (Operand[] term : terms) {
                JsonNode left = value(term[0], event, async);
                JsonNode right = value(term[1], event, async);
                if (left == null || right == null || !left.equals(right)) {
                    return false;
                }
            }
            return true;
        }

        private static JsonNode value(Operand operand, JsonNode event, JsonNode async) {
            if (operand.literal != null) {
                return JSON.getNodeFactory().textNode(operand.literal);
            }
            JsonNode node = operand.root.equals("event") ? event : async;
            for (String field : operand.path) {
                node = node == null ? null : node.get(field);
            }
            return node == null || node.isNull() ? null : node;
        }

        private static Operand operand(String text, String expression) {
            String s = text.trim();
            if (s.length() >= 2 && (s.charAt(0) == '\'' || s.charAt(0) == '"') && s.charAt(s.length() - 1) == s.charAt(0)) {
                char quote = s.charAt(0);
                StringBuilder literal = new StringBuilder();
                for (int i = 1; i < s.length() - 1; i++) {
                    char c = s.charAt(i);
                    if (c == '\\' && i + 1 < s.length() - 1) {
                        literal.append(s.charAt(++i));
                    } else if (c == quote) {
                        throw unsupported(expression);
                    } else {
                        literal.append(c);
                    }
                }
                return new Operand(null, null, literal.toString());
            }
            Matcher m = REFERENCE.matcher(s);
            if (!m.matches()) {
                throw unsupported(expression);
            }
            return new Operand(m.group(1), List.of(m.group(2).substring(1).split("\\.")), null);
        }

        private static List<String> splitOutsideQuotes(String text, String separator) {
            List<String> parts = new ArrayList<>();
            char quote = 0;
            int from = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (quote != 0) {
                    if (c == '\\') {
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (text.startsWith(separator, i)) {
                    parts.add(text.substring(from, i));
                    from = i + separator.length();
                    i = from - 1;
                }
            }
            parts.add(text.substring(from));
            return parts;
        }

        private static AssertionError unsupported(String expression) {
            return new AssertionError("the executor emulator does not understand the wait expression \"" + expression
                    + "\" (supported: async.data.<f> == '<literal>', event.data.<f> == async.data.<g>, and && of such)");
        }

        @Override
        public String toString() {
            return source;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // run state

    /** A pending wait or sleep. */
    private static final class Pending {
        final String id;
        final String op;
        final String event;
        final Condition condition;
        final long scheduledMillis;
        final long createdNanos = System.nanoTime();
        /** When it ends on its run's clock ({@link RunState#clockNanos()}). */
        final long dueNanos;
        volatile ScheduledFuture<?> timer;

        Pending(String id, String op, String event, Condition condition, long scheduledMillis, long nowNanos) {
            this.id = id;
            this.op = op;
            this.event = event;
            this.condition = condition;
            this.scheduledMillis = scheduledMillis;
            this.dueNanos = nowNanos + TimeUnit.MILLISECONDS.toNanos(scheduledMillis);
        }

        String outcomeWhenDue() {
            return op.equals("Sleep") ? "elapsed" : "timeout";
        }

        Pause outcome(String outcome) {
            return new Pause(id, op, event, condition == null ? null : condition.source(), scheduledMillis, outcome,
                    (System.nanoTime() - createdNanos) / 1e6);
        }
    }

    /** The run's state as the executor keeps it. Everything below is guarded by {@code steps}. */
    private final class RunState {
        final String runId = "01EMU" + UUID.randomUUID().toString().replace("-", "").substring(0, 21).toUpperCase();
        final ObjectNode event;
        final Map<String, JsonNode> steps = Collections.synchronizedMap(new LinkedHashMap<>());
        final List<String> stack = Collections.synchronizedList(new ArrayList<>());
        final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        final Map<String, Pending> pending = new LinkedHashMap<>();
        /** This run's keys in {@link #pauseIndex}. */
        final List<String> indexKeys = new ArrayList<>();
        final List<Pause> pauses = new ArrayList<>();
        long memoised;
        double waitedMillis;
        /** Idle time skipped so far ({@link #skipIdleTime()}): the run's clock is this far ahead of the real one. */
        volatile long skippedNanos;
        volatile boolean disableImmediateExecution;
        volatile Response settledBy;
        volatile int version = -1;
        volatile boolean cancelled;
        /** The queues of the concurrency limits this run falls under (its key values), set before its first call. */
        volatile List<Queue> limits = List.of();

        RunState(ObjectNode received) {
            event = received.deepCopy();
        }

        RunState(String name, JsonNode data) {
            event = JSON.createObjectNode();
            event.put("name", name);
            event.set("data", data);
            event.put("id", "01EVT" + UUID.randomUUID().toString().replace("-", "").substring(0, 21).toUpperCase());
            event.put("ts", System.currentTimeMillis());
            event.putObject("user");
        }

        void memoise(String hash, JsonNode state) {
            synchronized (steps) {
                steps.put(hash, state);
                stack.add(hash);
                memoised++;
                steps.notifyAll();
            }
        }

        long progress() {
            synchronized (steps) {
                return memoised;
            }
        }

        /** Blocks until every one of {@code ids} is memoised (or the run is cancelled). */
        void awaitAll(List<String> ids, List<JsonNode> ops) throws InterruptedException {
            awaitUntil(() -> ids.stream().allMatch(steps::containsKey), ops, "and some of it can never end");
        }

        /** Blocks until something was memoised after {@code seen}; fails if nothing could ever be. */
        void awaitProgress(long seen, List<JsonNode> ops) throws InterruptedException {
            awaitUntil(() -> memoised != seen, ops, "with no step to run and no wait or sleep pending");
        }

        /** Waits (holding {@link #steps}' monitor between checks) until {@code done} or the run is cancelled. */
        private void awaitUntil(java.util.function.BooleanSupplier done, List<JsonNode> ops, String stuck)
                throws InterruptedException {
            long start = System.nanoTime();
            synchronized (steps) {
                while (!cancelled && !done.getAsBoolean()) {
                    if (pending.isEmpty()) {
                        throw new AssertionError("the run is stuck: the service answered " + ops + " " + stuck);
                    }
                    if (skipIdleTime) {
                        skipToTheEarliestPause();
                    }
                    steps.wait();
                }
                waitedMillis += (System.nanoTime() - start) / 1e6;
            }
        }

        /** The run's clock ({@link System#nanoTime()}): real time, plus the idle time skipped. */
        long clockNanos() {
            return System.nanoTime() + skippedNanos;
        }

        /** Nothing in flight: the clock jumps to the end of the earliest pause, every timer runs that much sooner. */
        private void skipToTheEarliestPause() {
            long now = clockNanos();
            long earliest = pending.values().stream().mapToLong(p -> p.dueNanos).min().orElse(now);
            if (earliest <= now) {
                return;
            }
            skippedNanos += earliest - now;
            for (Pending pause : pending.values()) {
                ScheduledFuture<?> timer = pause.timer;
                if (timer != null && timer.cancel(false)) {
                    startTimer(pause);
                }
            }
        }

        /** Ends the pause when it is due on the run's clock. */
        private void startTimer(Pending pause) {
            pause.timer = TIMERS.schedule(() -> resolve(pause.id, NullNode.getInstance(), pause.outcomeWhenDue()),
                    Math.max(0, pause.dueNanos - clockNanos()), TimeUnit.NANOSECONDS);
        }

        void waitForEvent(JsonNode op) {
            String id = op.path("id").asText();
            JsonNode opts = op.path("opts");
            String eventName = opts.path("event").isTextual() && !opts.path("event").asText().isEmpty()
                    ? opts.path("event").asText()
                    : op.path("name").asText();
            String timeout = opts.path("timeout").asText(null);
            if (timeout == null || timeout.isBlank()) {
                throw new AssertionError("a WaitForEvent without timeout: " + op);
            }
            String expression = opts.path("if").asText("");
            Condition condition = expression.isBlank() ? null : Condition.parse(expression);
            long millis = Math.round(parseDuration(timeout).toNanos() / 1e6 * timeScale);
            indexWait(this, eventName, condition);
            schedule(new Pending(id, "WaitForEvent", eventName, condition, millis, clockNanos()));
        }

        void sleep(JsonNode op) {
            String id = op.path("id").asText();
            // "sleep until": the run's wall clock is ahead by the Inngest time skipped
            long skippedMillis = timeScale > 0 ? Math.round(skippedNanos / 1e6 / timeScale) : 0;
            long millis = sleepMillis(op, timeScale, System.currentTimeMillis() + skippedMillis);
            schedule(new Pending(id, "Sleep", null, null, millis, clockNanos()));
        }

        /** Registers a wait or sleep unless one with the same id is pending or memoised (Inngest de-duplicates ops). */
        private void schedule(Pending pause) {
            synchronized (steps) {
                if (steps.containsKey(pause.id) || pending.containsKey(pause.id)) {
                    return;
                }
                pending.put(pause.id, pause);
                startTimer(pause);
            }
        }

        /** Memoises a pending pause; false if it was no longer pending. */
        boolean resolve(String id, JsonNode state, String outcome) {
            Pending pause;
            synchronized (steps) {
                pause = pending.remove(id);
                if (pause == null) {
                    return false;
                }
                pauses.add(pause.outcome(outcome));
                memoise(id, state);
            }
            ScheduledFuture<?> timer = pause.timer;
            if (timer != null) {
                timer.cancel(false);
            }
            return true;
        }

        /** A received event: resolves every pending wait it matches. */
        void offer(ObjectNode candidate) {
            List<String> matched = new ArrayList<>();
            synchronized (steps) {
                for (Pending pause : pending.values()) {
                    if (pause.op.equals("WaitForEvent") && pause.event.equals(candidate.path("name").asText())
                            && (pause.condition == null || pause.condition.test(event, candidate))) {
                        matched.add(pause.id);
                    }
                }
                for (String id : matched) {
                    resolve(id, candidate.deepCopy(), "event");
                }
            }
        }

        /** Cancelled: pauses dropped, the driver stops before its next call. */
        void cancel() {
            cancelled = true;
            cancelTimers();
        }

        void cancelTimers() {
            synchronized (steps) {
                for (Pending pause : pending.values()) {
                    ScheduledFuture<?> timer = pause.timer;
                    if (timer != null) {
                        timer.cancel(false);
                    }
                    pauses.add(pause.outcome("pending"));
                }
                pending.clear();
                steps.notifyAll();
            }
        }

        ObjectNode body(String stepId, int attempt, int maxAttempts) {
            ObjectNode body = JSON.createObjectNode();
            body.set("event", event);
            body.putArray("events").add(event);
            ObjectNode memo = body.putObject("steps");
            ArrayNode stackNode;
            synchronized (steps) {
                steps.forEach(memo::set);
                stackNode = JSON.valueToTree(new ArrayList<>(stack));
            }
            ObjectNode ctx = body.putObject("ctx");
            ctx.put("run_id", runId);
            ctx.put("env", "test");
            ctx.put("step_id", stepId);
            ctx.put("attempt", attempt);
            ctx.put("max_attempts", maxAttempts);
            ctx.putObject("stack").<ObjectNode>set("stack", stackNode).put("current", stackNode.size());
            ctx.put("disable_immediate_execution", disableImmediateExecution);
            ctx.put("use_api", false);
            body.put("version", version);
            body.put("use_api", false);
            return body;
        }

        Run finish(String status, JsonNode output) {
            synchronized (steps) {
                List<Pause> all = new ArrayList<>(pauses);
                pending.values().forEach(p -> all.add(p.outcome("pending")));
                return new Run(status, output, List.copyOf(calls), Map.copyOf(steps), List.copyOf(all), waitedMillis);
            }
        }
    }
}
