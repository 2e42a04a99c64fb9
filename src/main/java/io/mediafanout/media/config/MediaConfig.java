package io.mediafanout.media.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import io.mediafanout.media.domain.Branch;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithKeys;
import io.smallrye.config.WithParentName;

/** Settings of the media pipeline. */
@ConfigMapping(prefix = "media")
public interface MediaConfig {

    Ittybit ittybit();

    /**
     * {@code media.outputs.<branch>.<option>}: the house style of each output, the options an upload gets when it
     * sets none, keyed by branch id (the options, their rules and defaults are the {@link Branch} table's). Read by
     * {@code OutputOptions}, which looks each one up by name: that is how {@code MEDIA_OUTPUTS_POSTER_IMAGE_TIME} is
     * found (a branch id's dashes are ambiguous in an environment variable's name).
     */
    @WithKeys(BranchIds.class)
    Map<String, BranchOutputs> outputs();

    /** The options written for one branch, by their setting names ({@code max-width}, ...). */
    interface BranchOutputs {
        @WithParentName
        Map<String, String> options();
    }

    /** Callbacks to the uploading app when a record is ready, failed or cancelled. */
    Callbacks callbacks();

    /** Who may call the media API. */
    Api api();

    /** Fair shares between owners: limits Inngest applies per owner ({@code event.data.owner}). */
    Owners owners();

    /** Live progress streams ({@code GET /media/{id}/events}). */
    Live live();

    /** Finds records left behind: an event Inngest never accepted, a run that never ended. */
    Reconciler reconciler();

    /** The reactive PostgreSQL pool, beyond {@code quarkus.datasource.reactive.*} ({@link DatabasePool}). */
    Database database();

    /** The keys of settings keyed by branch: every branch's id. */
    final class BranchIds implements Supplier<Iterable<String>> {
        @Override
        public Iterable<String> get() {
            return List.of(Branch.values()).stream().map(Branch::id).toList();
        }
    }

    /** A setting's value refused at start, naming the setting and its environment variable. */
    static IllegalStateException invalid(String property, Object value, String rule) {
        String variable = property.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        return new IllegalStateException(property + " (" + variable + ") is " + value + ": " + rule);
    }

    /**
     * Per-owner flow control, declared to Inngest at sync: keyed on {@code event.data.owner}, which every event of an
     * upload of ours carries (events of other apps have none, and share one key). They sit under the app-wide limit
     * ({@code INNGEST_CONCURRENCY_LIMIT}): the app-wide limit bounds what the pods take, these what one owner takes of
     * it, so that one owner's bulk import leaves room for the others' uploads.
     */
    interface Owners {
        /**
         * {@code MEDIA_OWNERS_PIPELINE_SHARE}: the share of the app-wide concurrency limit one owner's pipeline steps may
         * take (0 = no per-owner limit). Declaring it gives each owner a queue of its own at Inngest (its key queue),
         * and Inngest hands every free slot to the owners' queues in turn: another owner's step waits for one of the
         * next free slots, not behind the importing owner's backlog. Rule: the share leaves another owner at least one
         * upload's widest fan-out free at once ({@code (1 - share) x limit >= 4} steps: 0.75 from an app-wide limit
         * of 16 up), while an owner alone keeps most of the app. Measured ({@code BENCH_PARTS=fairness},
         * docs/capacity.md, medians of three rounds): at 0.75 another owner's slowest upload during a 1,000-upload
         * import 1.7x its time alone (7.6x without), the import 4 % slower; at 0.9 2.2x and 1 % faster; at 0.5 the
         * import was 12-37 % slower.
         */
        @WithDefault("0.75")
        double pipelineShare();

        /**
         * {@code MEDIA_OWNERS_CALLBACKS_SHARE}: the share of the app-wide limit one owner's callback deliveries may take
         * (0 = none): a receiver that answers slowly (up to {@code MEDIA_CALLBACKS_TIMEOUT}) holds its owner's share,
         * not everyone's.
         */
        @WithDefault("0.25")
        double callbacksShare();

        /**
         * {@code MEDIA_OWNERS_RUNS_PER_MINUTE}: runs of one owner's uploads Inngest starts per minute at most (a
         * throttle: later ones start later, none fails); 0 = no throttle. Off by default: Ittybit's own 429s are held
         * by Inngest already; set it below the Ittybit plan's rate when bulk imports meet its limits.
         */
        @WithDefault("0")
        int runsPerMinute();

        /** Shares in [0, 1], runs per minute not negative. */
        default void check() {
            checkShare("media.owners.pipeline-share", pipelineShare());
            checkShare("media.owners.callbacks-share", callbacksShare());
            if (runsPerMinute() < 0) {
                throw invalid("media.owners.runs-per-minute", runsPerMinute(), "it must be 0 (no throttle) or more");
            }
        }

        private static void checkShare(String property, double share) {
            if (share < 0 || share > 1) {
                throw invalid(property, share, "it must be from 0 (no per-owner limit) to 1");
            }
        }
    }

    interface Database {
        /**
         * {@code MEDIA_DATABASE_ACQUIRE_TIMEOUT}: how long a query waits for a pool connection before it fails; well
         * below a step's budget, so a saturated pool fails a step (which Inngest retries) instead of holding it.
         */
        @WithDefault("PT3S")
        Duration acquireTimeout();

        /**
         * {@code MEDIA_DATABASE_MAX_WAITING}: queries waiting for a pool connection at most; more fail at once. The
         * calls admitted per process bound them first ({@code INNGEST_ADMISSION_MAX_CALLS}).
         */
        @WithDefault("256")
        int maxWaiting();
    }

    interface Callbacks {
        /**
         * {@code MEDIA_CALLBACKS_SECRET}: signs every callback ({@code Media-Fanout-Signature}); callbacks are refused
         * at upload while it is unset. Never logged.
         */
        Optional<String> secret();

        /** {@code MEDIA_CALLBACKS_DEFAULT_URL}: where callbacks go for uploads that name no {@code callbackUrl}. */
        Optional<String> defaultUrl();

        /**
         * {@code MEDIA_CALLBACKS_ALLOW_PRIVATE}: accept http URLs and loopback, link-local and private addresses. For
         * tests and local development only: production refuses them (SSRF).
         */
        @WithDefault("false")
        boolean allowPrivate();

        /** {@code MEDIA_CALLBACKS_TIMEOUT}: how long one delivery may take; a slower receiver is tried again later. */
        @WithDefault("PT10S")
        Duration timeout();

        /**
         * A default URL only with a secret (callbacks are always signed), and one {@code accept} takes (it throws
         * {@link IllegalArgumentException} with the reason otherwise).
         */
        default void check(java.util.function.Consumer<String> accept) {
            defaultUrl().ifPresent(url -> {
                if (secret().isEmpty()) {
                    throw new IllegalStateException("MEDIA_CALLBACKS_DEFAULT_URL is set but MEDIA_CALLBACKS_SECRET is "
                            + "not: callbacks are always signed");
                }
                try {
                    accept.accept(url);
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException(e.getMessage());
                }
            });
        }
    }

    interface Reconciler {
        /**
         * {@code MEDIA_RECONCILER_EVERY}: how often one replica (a PostgreSQL advisory lock picks it) looks for
         * records left behind, as a Quarkus Scheduler period ({@code 1m}, {@code 30s}); {@code off} disables it.
         */
        @WithDefault("1m")
        String every();

        /**
         * {@code MEDIA_RECONCILER_FIRST_DELAY}: how long after start-up the first pass waits, as a Quarkus Scheduler
         * period, so a rolling restart does not start with a burst of passes while the pod warms up.
         */
        @WithDefault("20s")
        String firstDelay();

        /**
         * {@code MEDIA_RECONCILER_RESEND_AFTER}: a processing record whose {@code video/uploaded} event Inngest has
         * not accepted this long after it was last sent (or tried) is sent again, with the same event id. Only within
         * 23 hours of its round's start, inside Inngest's 24-hour event-id window, so a re-send never starts a second
         * run.
         */
        @WithDefault("PT2M")
        Duration resendAfter();

        /**
         * {@code MEDIA_RECONCILER_MAX_AGE}: a record still processing this long after its round started is marked
         * failed with the code {@code abandoned}. Keep it above the longest run the Ittybit wait settings allow (a
         * warning at start says when it is not); a record abandoned by mistake becomes ready if its run completes.
         */
        @WithDefault("PT24H")
        Duration maxAge();

        /** Records re-sent per pass at most. */
        @WithDefault("100")
        int batchSize();

        /** A re-send at most once a second, and records given up on only after they could have been re-sent. */
        default void check() {
            if (resendAfter().compareTo(Duration.ofSeconds(1)) < 0 || maxAge().compareTo(resendAfter()) <= 0) {
                throw new IllegalStateException("media.reconciler.resend-after must be at least 1 s and "
                        + "media.reconciler.max-age longer than it");
            }
        }
    }

    interface Api {
        /**
         * {@code MEDIA_API_KEYS}: the API keys, comma-separated, each {@code <name>/<sha256 hex of the key>/<roles>}
         * with roles joined by {@code +} ({@code media:write} uploads, {@code media:read} reads), e.g.
         * {@code ci/9f86d081…/media:write+media:read}. Only hashes are configured; the keys themselves are never
         * stored or logged. Required in production; without any, dev and test mode leave the API open.
         */
        Optional<java.util.List<String>> keys();

        /** Requests per second each key may make on average. */
        @WithDefault("20")
        int rateLimitPerSecond();

        /**
         * Requests a key may make in a burst above its average; also how many of one owner's uploads and reprocesses
         * may wait for their turn on a replica (they are admitted one at a time), more being answered {@code 429}.
         */
        @WithDefault("40")
        int rateLimitBurst();

        /**
         * {@code MEDIA_API_OWNER_CLAIM}: the access-token claim that names who owns the records a token uploads and
         * may see ({@code sub} by default; a tenant claim such as {@code org_id} makes records shared by a tenant).
         * An API key's owner is its name.
         */
        @WithDefault("sub")
        String ownerClaim();

        /**
         * {@code MEDIA_API_MAX_IN_PROGRESS_PER_OWNER}: how many records one owner may have in {@code processing} at
         * once; an upload or reprocess that would start one more is answered {@code 429} and stores nothing. Counted
         * in PostgreSQL (all replicas, across restarts). {@code 0}: no cap. Records without an owner are not capped.
         */
        @WithDefault("10000")
        int maxInProgressPerOwner();

        /**
         * {@code MEDIA_API_PUBLIC_URL}: where clients reach the API (the Ingress' URL), the server of the API document
         * {@code /q/openapi} serves ({@link io.mediafanout.media.rest.OpenApiRuntime}); unset, the stored document's
         * {@code http://localhost:8080}.
         */
        Optional<java.net.URI> publicUrl();
    }

    interface Ittybit {
        /** {@code ITTYBIT_API_KEY}: bearer token for Ittybit; never logged. */
        Optional<String> apiKey();

        /** {@code ITTYBIT_ACCEPT_VERSION}: the API version pinned with {@code Accept-Version}. */
        @WithDefault("2025-08-20")
        String acceptVersion();

        /** How a branch waits for its task: Inngest holds every wait (step.waitForEvent, step.sleep). */
        Poll poll();

        /** Webhooks that end a branch's wait as soon as its task ends (reads on a schedule stay as a safety net). */
        Webhook webhook();

        /** Ittybit's rate limits: Inngest holds the waits they ask for, and can pace task creation at the plan's rate. */
        RateLimit rateLimit();

        /**
         * {@code media.ittybit.<branch>.*}: how each branch calls Ittybit, keyed by branch id (every branch of the
         * {@link Branch} table has an entry, so {@code MEDIA_ITTYBIT_POSTER_IMAGE_RETRY_MAX_RETRIES} finds its key).
         */
        @WithParentName
        @WithKeys(BranchIds.class)
        Map<String, BranchCalls> branches();

        /** The retry policy of a branch's calls. */
        default Retry retry(Branch branch) {
            return branches().get(branch.id()).retry();
        }

        /**
         * In production an API key; every branch's retry policy ({@code media.ittybit.<branch>.retry.*}) and the poll
         * settings valid: one check each, so that start-up names every problem among them at once.
         */
        default java.util.List<Runnable> checks(boolean production) {
            java.util.List<Runnable> checks = new java.util.ArrayList<>();
            checks.add(() -> {
                if (production && apiKey().isEmpty()) {
                    throw new IllegalStateException("ITTYBIT_API_KEY is not set: the pipeline cannot create Ittybit "
                            + "tasks without it (set ITTYBIT_API_KEY, and ITTYBIT_API_URL for an Ittybit-compatible "
                            + "server)");
                }
            });
            checks.add(() -> poll().check());
            checks.add(() -> rateLimit().check());
            for (Branch branch : Branch.values()) {
                checks.add(() -> retry(branch).check("media.ittybit." + branch.id() + ".retry."));
            }
            return checks;
        }

        /** All of {@link #checks}, in turn: the first problem stops it. */
        default void check(boolean production) {
            checks(production).forEach(Runnable::run);
        }
    }

    /** How one branch calls Ittybit. */
    interface BranchCalls {
        /** Its own retry policy, for both of its calls (create and read). */
        Retry retry();
    }

    /**
     * Retries of a transient Ittybit failure (5xx, 408, timeouts, connection errors, a rate limit of at most
     * {@link Poll#maxInProcessRetryAfter()}) inside one step call; when they run out, the step fails and Inngest
     * retries it. Each branch has its own
     * ({@code media.ittybit.<branch>.retry.*}); checked at start ({@link RequiredSettings}).
     */
    interface Retry {
        /** {@code MEDIA_ITTYBIT_<BRANCH>_RETRY_MAX_RETRIES}: calls after the first one; 0 leaves retries to Inngest. */
        @WithDefault("4")
        int maxRetries();

        /** {@code MEDIA_ITTYBIT_<BRANCH>_RETRY_DELAY}: the wait before each retry. */
        @WithDefault("PT0.5S")
        Duration delay();

        /** {@code MEDIA_ITTYBIT_<BRANCH>_RETRY_JITTER}: each wait varies at random by up to this much either way. */
        @WithDefault("PT0.25S")
        Duration jitter();

        /**
         * {@code MEDIA_ITTYBIT_<BRANCH>_RETRY_MAX_DURATION}: no retry starts this long after the first call, so a step
         * call stays short (the call under way still has its connect and read timeouts).
         */
        @WithDefault("PT15S")
        Duration maxDuration();

        /**
         * The longest {@link #maxDuration()}: with the Ittybit client's connect (5 s) and read (10 s) timeouts, a step's
         * call ends within {@code quarkus.shutdown.timeout} (30 s), so a rollout never cuts one short.
         */
        Duration LONGEST = Duration.ofSeconds(15);

        /**
         * Nothing negative, and a deadline longer than the delay (SmallRye Fault Tolerance's own rules, checked at start
         * so that a bad value stops it with the setting named instead of failing the first call).
         */
        default void check(String prefix) {
            if (maxRetries() < 0) {
                throw invalid(prefix + "max-retries", maxRetries(), "it must be 0 (no retry) or more");
            }
            if (delay().isNegative()) {
                throw invalid(prefix + "delay", delay(), "it must not be negative");
            }
            if (jitter().isNegative()) {
                throw invalid(prefix + "jitter", jitter(), "it must not be negative");
            }
            if (maxDuration().compareTo(LONGEST) > 0) {
                throw invalid(prefix + "max-duration", maxDuration(), "it must be at most " + LONGEST + ", so that a "
                        + "step's call (retries, then one call with its connect and read timeouts) ends within the "
                        + "shutdown timeout");
            }
            // in whole milliseconds, as the guards take them
            if (maxDuration().toMillis() <= delay().toMillis()) {
                throw invalid(prefix + "max-duration", maxDuration(), "it must be longer than " + prefix + "delay ("
                        + delay() + ")");
            }
        }
    }

    interface Webhook {
        /**
         * {@code ITTYBIT_WEBHOOK_BASE_URL}: the public origin Ittybit can reach this service at (e.g.
         * {@code https://media.example.com}). When set, each task is created with a {@code webhook_url} under
         * {@code /ittybit/webhooks/}, whose calls become {@code ittybit/task.ended} events; unset, branches read
         * their task on a schedule (durable polling).
         */
        Optional<URI> baseUrl();

        /**
         * {@code ITTYBIT_WEBHOOK_SECRET}: signs the webhook URLs (an HMAC in the path). Defaults to a key derived from
         * the Ittybit API key. Never logged.
         */
        Optional<String> secret();

        /**
         * With webhooks, how long a branch waits for its task's webhook before it reads the task anyway (then on
         * the polling schedule).
         */
        @WithDefault("PT30M")
        Duration waitTimeout();
    }

    interface Poll {
        /**
         * First delay before a task is read when no webhook will come, and the first backoff after a read that
         * found it still running; doubles after each read.
         */
        @WithDefault("PT2S")
        Duration initialDelay();

        /** Longest delay between two reads of a task. */
        @WithDefault("PT10M")
        Duration maxDelay();

        /**
         * Reads of one task before its branch fails as still running. Each read and each sleep is an Inngest step, so
         * this bounds the steps of a run, which must stay under Inngest's 1,000 with the rate-limit waits
         * ({@code BranchFlow.mostSteps}, checked at start: 28 reads and 10 waits make 994). With the defaults a task
         * may run for about 3.2 hours (plus the webhook wait).
         */
        @WithDefault("28")
        int maxReads();

        /**
         * A {@code 429} (or a {@code 503} with {@code Retry-After}) asking to wait at most this long is waited out inside
         * the step's call and retried by the branch's retry policy; a longer wait is Inngest's ({@link RateLimit}). At
         * most {@link #LONGEST_IN_PROCESS_WAIT}: a call never holds a pod's slot for a wait.
         */
        @WithDefault("PT0.5S")
        Duration maxInProcessRetryAfter();

        /** The longest {@link #maxInProcessRetryAfter()}: "a fraction of a second". */
        Duration LONGEST_IN_PROCESS_WAIT = Duration.ofSeconds(1);

        default void check() {
            if (maxReads() < 1) {
                throw invalid("media.ittybit.poll.max-reads", maxReads(), "it must be at least 1");
            }
            if (maxInProcessRetryAfter().isNegative() || maxInProcessRetryAfter().compareTo(LONGEST_IN_PROCESS_WAIT) >= 0) {
                throw invalid("media.ittybit.poll.max-in-process-retry-after", maxInProcessRetryAfter(), "it must be "
                        + "from 0 to under " + LONGEST_IN_PROCESS_WAIT + ": a longer wait is held by Inngest (step.sleep), "
                        + "not by a pod's call");
            }
        }
    }

    /**
     * Ittybit's rate limits. A {@code 429} (or {@code 503} with {@code Retry-After}) longer than
     * {@link Poll#maxInProcessRetryAfter()} ends the step with a "retry after" result; the branch sleeps in Inngest
     * ({@code step.sleep}, the wait capped and spread) and tries again in a new step with the same idempotency key.
     */
    interface RateLimit {
        /**
         * {@code MEDIA_ITTYBIT_RATE_LIMIT_MAX_WAITS}: waits for Ittybit's rate limit one branch may take (its creates
         * and reads, all its tasks); the next {@code 429} fails the branch with {@code ittybit_rate_limited}. Each wait
         * is two steps of the run's budget ({@code BranchFlow.mostSteps}).
         */
        @WithDefault("10")
        int maxWaits();

        /**
         * {@code MEDIA_ITTYBIT_RATE_LIMIT_MAX_WAIT}: the longest one wait; a longer {@code Retry-After} is capped. At most
         * 12 hours: with its spread (up to half of it) a wait stays well within the day Ittybit keeps an
         * {@code Idempotency-Key} (../shared/ittybit/API.md §4), so the create tried again after it still finds a task
         * the rate-limited attempt may have made.
         */
        @WithDefault("PT5M")
        Duration maxWait();

        /**
         * {@code MEDIA_ITTYBIT_RATE_LIMIT_CREATES_PER_SECOND}: the Ittybit plan's rate, task creations per second across
         * all replicas; 0 = no pacing. Inngest paces the pipeline's run starts to it (a throttle, see
         * {@code FanoutFunction.pace}): a run creates at most one task per branch.
         */
        @WithDefault("0")
        double createsPerSecond();

        default void check() {
            if (maxWaits() < 0) {
                throw invalid("media.ittybit.rate-limit.max-waits", maxWaits(), "it must be 0 (fail at the first "
                        + "rate limit) or more");
            }
            if (maxWait().compareTo(Duration.ofSeconds(1)) < 0 || maxWait().compareTo(Duration.ofHours(12)) > 0) {
                throw invalid("media.ittybit.rate-limit.max-wait", maxWait(), "it must be from 1 second to 12 hours "
                        + "(with its spread a wait must stay within the day Ittybit keeps an idempotency key)");
            }
            double rate = createsPerSecond();
            if (Double.isNaN(rate) || (rate != 0 && (rate < 0.001 || rate > 100_000))) {
                throw invalid("media.ittybit.rate-limit.creates-per-second", rate, "it must be 0 (no pacing) or a "
                        + "rate from 0.001 to 100000 task creations a second");
            }
        }
    }

    /** Live progress: server-sent events of a record's changes. */
    interface Live {
        /**
         * {@code MEDIA_LIVE_MAX_STREAMS}: streams open at once on one pod; unset, the heap / 60 KiB (1,058 in a 256 MiB
         * pod). Past it {@code 503} with {@code Retry-After}: another replica may take the stream.
         */
        java.util.OptionalInt maxStreams();

        /**
         * {@code MEDIA_LIVE_MAX_READS}: reads of changed records under way at once on one pod for their streams (each
         * reads up to 100 records due, in one query; a record is read once per change per pod, whatever the number
         * of streams); the others wait their turn. Rule: at most a third of the database pool
         * ({@code quarkus.datasource.reactive.max-size}, 7), the rest stays with the pipeline's steps.
         */
        @WithDefault("2")
        int maxReads();

        /**
         * {@code MEDIA_LIVE_READ_WINDOW}: how long a change waits for others before its read starts, so that changes
         * close together share one read (fewer reads of the database, at the cost of this much delay); {@code PT0S}
         * reads at once. At most {@link #LONGEST_READ_WINDOW}: the messages' delay is meant in tens of milliseconds.
         */
        @WithDefault("PT0.02S")
        Duration readWindow();

        Duration LONGEST_READ_WINDOW = Duration.ofMillis(200);

        /** {@code MEDIA_LIVE_MAX_STREAMS_PER_OWNER}: streams one owner may have open on one pod; past it {@code 429}. */
        @WithDefault("100")
        int maxStreamsPerOwner();

        /** {@code MEDIA_LIVE_KEEP_ALIVE}: a comment line this often keeps proxies from closing an idle stream. */
        @WithDefault("PT15S")
        Duration keepAlive();

        /**
         * {@code MEDIA_LIVE_TOKEN_SECRETS}: the keys that sign stream tokens ({@code POST /media/{id}/events/token}),
         * comma-separated, each at least 32 characters: the first signs, every one verifies (to rotate, put the new
         * key first and drop the old one a token lifetime later). Unset, one key derived from
         * {@code ITTYBIT_API_KEY} (the same on every replica); without that either (dev and test) a random key per
         * process.
         */
        Optional<List<String>> tokenSecrets();

        /**
         * {@code MEDIA_LIVE_TOKEN_TTL}: how long a stream token may open its record's stream (from 10 s to 1 h). A
         * stream opened in time runs on to its end; a reconnection after it needs a new token.
         */
        @WithDefault("PT5M")
        Duration tokenTtl();

        Duration SHORTEST_TOKEN_TTL = Duration.ofSeconds(10);
        Duration LONGEST_TOKEN_TTL = Duration.ofHours(1);
        int SHORTEST_TOKEN_SECRET = 32;

        default void check() {
            if (maxReads() < 1) {
                throw invalid("media.live.max-reads", maxReads(), "it must be 1 or more");
            }
            if (readWindow().isNegative() || readWindow().compareTo(LONGEST_READ_WINDOW) > 0) {
                throw invalid("media.live.read-window", readWindow(), "it must be from PT0S to PT0.2S");
            }
            if (tokenTtl().compareTo(SHORTEST_TOKEN_TTL) < 0 || tokenTtl().compareTo(LONGEST_TOKEN_TTL) > 0) {
                throw invalid("media.live.token-ttl", tokenTtl(), "it must be from PT10S to PT1H");
            }
            if (tokenSecrets().stream().flatMap(List::stream)
                    .anyMatch(secret -> secret.length() < SHORTEST_TOKEN_SECRET)) {
                // the value itself is a secret: not in the message
                throw new IllegalStateException("media.live.token-secrets (MEDIA_LIVE_TOKEN_SECRETS) has a key shorter "
                        + "than " + SHORTEST_TOKEN_SECRET + " characters");
            }
        }
    }
}
