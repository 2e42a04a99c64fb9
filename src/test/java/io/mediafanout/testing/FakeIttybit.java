package io.mediafanout.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.media.domain.Branch;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A faithful fake of the Ittybit task API (a real HTTP server, see ../shared/ittybit/API.md §6): {@code POST /tasks}
 * answers 201 with a bare task in {@code pending} (200 with the same task when the {@code Idempotency-Key} was
 * seen), {@code GET /tasks/{id}} moves it to {@code processing}, then {@code completed} with {@code output.url}, or
 * {@code failed}. Unknown task: 404; missing or wrong key: 401. Tests script faults per (mediaId, kind). A task
 * created with a {@code webhook_url} and a fixed duration ({@link Script#completeAfter}) is POSTed to that URL when
 * it ends, as Ittybit does (API.md §3; no signature header: Ittybit's scheme is undocumented), and again with
 * backoff while the answer is not 2xx.
 */
public class FakeIttybit implements QuarkusTestResourceLifecycleManager {

    public static final String API_KEY = "ittybit_test_secret_key_0123456789";

    /** What happens to the tasks of one (mediaId, kind). */
    public static final class Script {
        /** Statuses answered to POSTs before a task is created (e.g. 503, 503); 0 drops the connection. */
        public final List<Integer> createFaults = new ArrayList<>();
        /** Statuses answered to GETs before the task is reported (e.g. 500 ×5); 0 drops the connection. */
        public final List<Integer> readFaults = new ArrayList<>();
        /** How many of the next POSTs are answered only after {@link #slowBy} (the task is created meanwhile). */
        public int slowCreates;
        /** The delay of slow answers. */
        public Duration slowBy = Duration.ofSeconds(2);
        /** Retry-After sent with faulted 429 answers. */
        public String retryAfter = "1";
        /** Whether a scripted 503 carries {@link #retryAfter} too (a 429 always does). */
        public boolean retryAfterOn503;
        /** Reads reporting the task still in progress before it ends. */
        public int readsBeforeEnd = 1;
        /** Tasks of this pair end failed. */
        public boolean fail;
        /** The first this many tasks of this pair end failed, later ones complete (unless {@link #fail}). */
        public int failFirst;
        /**
         * When set, a task is in progress until this long after its creation (whatever the number of reads), then
         * ends; when null (the default), {@link #readsBeforeEnd} decides.
         */
        public Duration completeAfter;
        /** Whether tasks that end by time call their {@code webhook_url}. */
        public boolean webhooks = true;
        /**
         * When set, tasks are answered as belonging to this media ({@code metadata.mediaId}): what a key collision
         * with another app on a shared account would look like.
         */
        public String answerAsMedia;

        public Script createFaults(Integer... statuses) {
            createFaults.addAll(List.of(statuses));
            return this;
        }

        public Script readFaults(Integer... statuses) {
            readFaults.addAll(List.of(statuses));
            return this;
        }

        public Script failTasks() {
            fail = true;
            return this;
        }

        /** The first {@code n} tasks of this pair end failed; the ones created after them complete. */
        public Script failFirst(int n) {
            failFirst = n;
            return this;
        }

        /** Tasks take this long from their creation, however often they are read. */
        public Script completeAfter(Duration duration) {
            completeAfter = duration;
            return this;
        }
    }

    /** A task the fake holds. */
    public record Task(String id, String mediaId, String kind, String idempotencyKey, ObjectNode request,
            AtomicInteger reads) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile RecordingHttpServer server;
    private static final Map<String, Script> SCRIPTS = new ConcurrentHashMap<>();
    private static final Map<String, Task> TASKS = new ConcurrentHashMap<>();
    /** The tasks of each media id, in creation order: a lookup, not a scan of every task (bursts hold thousands). */
    private static final Map<String, List<Task>> BY_MEDIA = new ConcurrentHashMap<>();
    private static final Map<String, String> BY_KEY = new ConcurrentHashMap<>();
    /** Creation time (System.nanoTime) of each task, for {@link Script#completeAfter}. */
    private static final Map<String, Long> CREATED_NANOS = new ConcurrentHashMap<>();
    /** Each task's rank among the tasks of its (mediaId, kind), from 0, for {@link Script#failFirst}. */
    private static final Map<String, Integer> ORDINALS = new ConcurrentHashMap<>();
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Webhook calls made: task id and the status the service answered (-1: no answer). */
    private static final List<Map.Entry<String, Integer>> WEBHOOK_CALLS = new CopyOnWriteArrayList<>();
    private static final ScheduledExecutorService WEBHOOK_TIMER =
            Executors.newScheduledThreadPool(2, r -> {
                Thread t = new Thread(r, "fake-ittybit-webhooks");
                t.setDaemon(true);
                return t;
            });
    private static final HttpClient WEBHOOK_CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30)).build();

    public static RecordingHttpServer server() {
        return server;
    }

    public static Script script(String mediaId, String kind) {
        return SCRIPTS.computeIfAbsent(mediaId + "/" + kind, k -> new Script());
    }

    /** Tasks created for a media, whatever their kind. */
    public static List<Task> tasks(String mediaId) {
        return List.copyOf(BY_MEDIA.getOrDefault(mediaId, List.of()));
    }

    public static List<Task> tasks(String mediaId, String kind) {
        return tasks(mediaId).stream().filter(t -> t.kind().equals(kind)).toList();
    }

    /** Requests received about a media: POSTs carry it in metadata, GETs name one of its tasks. */
    public static List<RecordingHttpServer.Recorded> requests(String mediaId) {
        return server.received(r -> r.body().contains("\"mediaId\":\"" + mediaId + "\"")
                || tasks(mediaId).stream().anyMatch(t -> r.path().equals("/tasks/" + t.id())));
    }

    public static List<RecordingHttpServer.Recorded> creates(String mediaId, String kind) {
        return requests(mediaId).stream()
                .filter(r -> r.method().equals("POST") && r.body().contains("\"kind\":\"" + kind + "\"")).toList();
    }

    /** Webhook calls made for a task: the statuses the service answered (-1: no answer). */
    public static List<Integer> webhookCalls(String taskId) {
        return WEBHOOK_CALLS.stream().filter(e -> e.getKey().equals(taskId)).map(Map.Entry::getValue).toList();
    }

    /**
     * Each kind of the pipeline's branches was created once (one POST) and has one task: no memoised create step ran
     * again, whatever happened to the service meanwhile.
     */
    public static void assertEachKindCreatedOnce(String mediaId) {
        for (String kind : Arrays.stream(Branch.values()).map(Branch::kind).toList()) {
            org.assertj.core.api.Assertions.assertThat(creates(mediaId, kind)).as(kind + " is created once").hasSize(1);
            org.assertj.core.api.Assertions.assertThat(tasks(mediaId, kind)).as(kind).hasSize(1);
        }
    }

    public static String outputUrl(String mediaId, String kind, String taskId) {
        return "https://cdn.fake-ittybit.test/" + mediaId + "/" + kind + "/" + taskId;
    }

    private static RecordingHttpServer.Reply error(int status, String kind, String message, Script script) {
        String body = "{\"kind\":\"" + kind + "\",\"message\":\"" + message + "\"}";
        String retryAfter = script == null ? null : script.retryAfter;
        return retryAfter != null && (status == 429 || (status == 503 && script.retryAfterOn503))
                ? new RecordingHttpServer.Reply(status, body, Map.of("Content-Type", "application/json", "Retry-After", retryAfter))
                : RecordingHttpServer.Reply.json(status, body);
    }

    private static boolean authorised(RecordingHttpServer.Recorded r) {
        return ("Bearer " + API_KEY).equals(r.header("authorization"));
    }

    private static RecordingHttpServer.Reply create(RecordingHttpServer.Recorded r) throws Exception {
        if (!authorised(r)) {
            return error(401, "token_invalid", "invalid API key", null);
        }
        ObjectNode body = (ObjectNode) JSON.readTree(r.body());
        String input = body.path("input").asText("");
        if (!input.startsWith("http://") && !input.startsWith("https://")) {
            return error(400, "invalid_input", "input must be an http(s) URL", null);
        }
        String mediaId = body.path("metadata").path("mediaId").asText();
        String kind = body.path("kind").asText();
        Script script = script(mediaId, kind);
        synchronized (script) {
            if (!script.createFaults.isEmpty()) {
                int status = script.createFaults.remove(0);
                return status == 0 ? null : error(status, status == 429 ? "rate_limited" : "internal_error", "simulated", script);
            }
        }
        boolean slow;
        synchronized (script) {
            slow = script.slowCreates > 0;
            if (slow) {
                script.slowCreates--;
            }
        }
        String key = r.header("idempotency-key");
        if (key != null && BY_KEY.containsKey(key)) {
            return slowly(slow, script, RecordingHttpServer.Reply.json(200, render(TASKS.get(BY_KEY.get(key))).toString()));
        }
        Task task = new Task("task_" + String.format("%016d", IDS.incrementAndGet()), mediaId, kind, key, body,
                new AtomicInteger());
        CREATED_NANOS.put(task.id(), System.nanoTime());
        synchronized (script) {
            ORDINALS.put(task.id(), tasks(mediaId, kind).size());
        }
        TASKS.put(task.id(), task);
        BY_MEDIA.computeIfAbsent(mediaId, m -> new CopyOnWriteArrayList<>()).add(task);
        if (key != null) {
            BY_KEY.put(key, task.id());
        }
        String webhookUrl = body.path("webhook_url").asText(null);
        if (webhookUrl != null && script.completeAfter != null && script.webhooks) {
            WEBHOOK_TIMER.schedule(() -> callWebhook(task, webhookUrl), script.completeAfter.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        return slowly(slow, script, RecordingHttpServer.Reply.json(201, render(task).toString()));
    }

    /** Answers after the script's delay: the task exists, the client may have given up waiting. */
    private static RecordingHttpServer.Reply slowly(boolean slow, Script script, RecordingHttpServer.Reply reply)
            throws InterruptedException {
        if (slow) {
            Thread.sleep(script.slowBy.toMillis());
        }
        return reply;
    }

    private static RecordingHttpServer.Reply read(RecordingHttpServer.Recorded r) {
        if (!authorised(r)) {
            return error(401, "token_invalid", "invalid API key", null);
        }
        Task task = TASKS.get(r.path().substring("/tasks/".length()));
        if (task == null) {
            return error(404, "task_not_found", "no such task", null);
        }
        Script script = script(task.mediaId(), task.kind());
        synchronized (script) {
            if (!script.readFaults.isEmpty()) {
                int status = script.readFaults.remove(0);
                return status == 0 ? null : error(status, status == 429 ? "rate_limited" : "internal_error", "simulated", script);
            }
        }
        task.reads().incrementAndGet();
        return RecordingHttpServer.Reply.json(200, render(task).toString());
    }

    /**
     * POSTs the ended task to its webhook URL. A delivery that fails (no answer, or not 2xx) is made again with
     * exponential backoff (1, 2, 4, 8, 16 s), as Ittybit does ("on error Ittybit retries with exponential backoff",
     * API.md); each call is recorded by {@link #webhookCalls(String)}.
     */
    private static void callWebhook(Task task, String url) {
        callWebhook(task, url, 0);
    }

    /** Deliveries of one webhook: the first and up to 5 retries. */
    static final int WEBHOOK_ATTEMPTS = 6;

    private static void callWebhook(Task task, String url, int attempt) {
        WEBHOOK_CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(render(task, true).toString())).build(),
                HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, failure) -> {
                    int status = response == null ? -1 : response.statusCode();
                    WEBHOOK_CALLS.add(Map.entry(task.id(), status));
                    if ((status < 200 || status >= 300) && attempt + 1 < WEBHOOK_ATTEMPTS) {
                        WEBHOOK_TIMER.schedule(() -> callWebhook(task, url, attempt + 1), 1000L << attempt,
                                TimeUnit.MILLISECONDS);
                    }
                });
    }

    private static ObjectNode render(Task task) {
        return render(task, false);
    }

    private static ObjectNode render(Task task, boolean ended) {
        Script script = script(task.mediaId(), task.kind());
        int reads = ended ? Math.max(1, task.reads().get()) : task.reads().get();
        ObjectNode json = JSON.createObjectNode();
        json.put("id", task.id());
        json.put("object", "task");
        json.put("kind", task.kind());
        json.put("input", task.request().path("input").asText());
        json.set("options", task.request().path("options"));
        json.set("metadata", script.answerAsMedia == null ? task.request().path("metadata")
                : JSON.createObjectNode().put("mediaId", script.answerAsMedia));
        json.put("created", Instant.now().toString());
        if (reads == 0) {
            json.put("status", "pending").putNull("output").put("progress", 0).putNull("error");
        } else if (script.completeAfter != null
                ? System.nanoTime() - CREATED_NANOS.get(task.id()) < script.completeAfter.toNanos()
                : reads <= script.readsBeforeEnd) {
            json.put("status", "processing").putNull("output").put("progress", 50).putNull("error");
        } else if (script.fail || ORDINALS.getOrDefault(task.id(), 0) < script.failFirst) {
            json.put("status", "failed").putNull("output").put("error", "decoder error (simulated)");
        } else {
            json.put("status", "completed").put("progress", 100).putNull("error");
            json.putObject("output").put("id", "file_" + task.id().substring(5)).put("object", "source")
                    .put("kind", task.kind()).put("url", outputUrl(task.mediaId(), task.kind(), task.id()));
        }
        return json;
    }

    @Override
    public Map<String, String> start() {
        if (server == null) {
            server = new RecordingHttpServer();
            server.route("POST", "/tasks", FakeIttybit::create);
            server.route("GET", "/tasks/", FakeIttybit::read);
        }
        return Map.of("quarkus.rest-client.ittybit.url", server.url(), "media.ittybit.api-key", API_KEY);
    }

    @Override
    public void stop() {
        // left running until the JVM exits: each Quarkus test profile loads this class anew (a class loader of its own)
        // and so starts its own server, which its tests read until the last of them; the packaged-jar ITs share one
    }
}
