package io.mediafanout.media;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.media.client.IttybitWebhooks;
import io.mediafanout.media.repository.TaskNotifications;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeIttybit;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Ittybit webhooks: a task created with a {@code webhook_url} wakes its waiting branch when it ends, on whichever
 * replica the branch runs (PostgreSQL {@code LISTEN}/{@code NOTIFY}); polling every ten minutes (the profile) would
 * otherwise keep the runs waiting.
 */
@QuarkusTest
@TestProfile(WebhookProfile.class)
class WebhookTests {

    static final String FN = "media-pipeline-fanout-adaptive-streaming";
    static final List<String> KINDS = List.of("adaptive_video", "image", "video", "audio");
    static final String CHANNEL = "media_fanout_ittybit_task";
    static final ObjectMapper JSON = new ObjectMapper();
    /** Far below the ten-minute poll: a run that ends within it was woken. */
    static final Duration WOKEN_WITHIN = Duration.ofSeconds(60);

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @Inject
    IttybitWebhooks webhooks;

    @Inject
    TaskNotifications notifications;

    private static String newMediaId() {
        return "vid_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** Every task of the media ends this long after its creation; it calls its webhook when {@code webhooks}. */
    private static void script(String mediaId, Duration duration, boolean webhooks) {
        for (String kind : KINDS) {
            FakeIttybit.Script script = FakeIttybit.script(mediaId, kind);
            script.completeAfter = duration;
            script.webhooks = webhooks;
        }
    }

    private CompletableFuture<ExecutorEmulator.Run> startRun(String mediaId) {
        ObjectNode upload = JSON.createObjectNode().put("mediaId", mediaId)
                .put("sourceUrl", "https://uploads.example/" + mediaId + ".mp4");
        ExecutorEmulator emulator = new ExecutorEmulator(serveUrl, FN, Optional.empty(), 3, Duration.ofMillis(200));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return emulator.run("video/uploaded", upload);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static long reads(String mediaId) {
        return FakeIttybit.requests(mediaId).stream().filter(r -> r.method().equals("GET")).count();
    }

    private static Connection database() throws Exception {
        var config = ConfigProvider.getConfig();
        return DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getOptionalValue("quarkus.datasource.password", String.class).orElse(""));
    }

    private static void notifyFromAnotherReplica(String taskKey) throws Exception {
        try (Connection c = database(); PreparedStatement notify = c.prepareStatement("select pg_notify(?, ?)")) {
            notify.setString(1, CHANNEL);
            notify.setString(2, taskKey);
            notify.execute();
        }
    }

    private static void awaitCondition(String what, java.util.function.BooleanSupplier condition) throws Exception {
        Instant deadline = Instant.now().plusSeconds(20);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as(what).isBefore(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void aTaskWebhookWakesItsBranchSoTheRunEndsWithoutWaitingForTheNextPoll() throws Exception {
        String mediaId = newMediaId();
        script(mediaId, Duration.ofMillis(300), true);

        ExecutorEmulator.Run run = startRun(mediaId).get(WOKEN_WITHIN.toSeconds(), TimeUnit.SECONDS);

        assertThat(run.status()).isEqualTo("completed");
        awaitCondition("Ittybit has its four webhook answers", () -> FakeIttybit.tasks(mediaId).stream()
                .allMatch(task -> !FakeIttybit.webhookCalls(task.id()).isEmpty()));
        assertThat(FakeIttybit.tasks(mediaId)).hasSize(4).allSatisfy(task -> {
            assertThat(task.request().path("webhook_url").asText())
                    .isEqualTo(webhooks.url(task.idempotencyKey()).orElseThrow())
                    .startsWith("http://127.0.0.1:" + WebhookProfile.PORT + "/ittybit/webhooks/" + task.idempotencyKey() + "/");
            assertThat(FakeIttybit.webhookCalls(task.id())).containsExactly(200);
        });
        assertThat(reads(mediaId)).as("one read per task, after its webhook").isEqualTo(4);
        given().get("/media/" + mediaId).then().statusCode(200).body("status", equalTo("ready"));
    }

    @Test
    void aNotificationFromAnotherReplicaWakesTheBranchWaitingHere() throws Exception {
        awaitCondition("subscribed to task notifications", notifications::listening);

        String mediaId = runWokenByAnotherReplica();

        given().get("/media/" + mediaId).then().statusCode(200).body("status", equalTo("ready"));
    }

    /**
     * Starts a run whose tasks end after 200 ms without calling their webhooks; once they ended, another replica
     * (a JDBC connection) notifies their keys, and the run must complete long before the next poll.
     */
    private String runWokenByAnotherReplica() throws Exception {
        String mediaId = newMediaId();
        script(mediaId, Duration.ofMillis(200), false);
        CompletableFuture<ExecutorEmulator.Run> run = startRun(mediaId);
        awaitCondition("the four tasks are created", () -> FakeIttybit.tasks(mediaId).size() == 4);
        Thread.sleep(300);
        for (FakeIttybit.Task task : FakeIttybit.tasks(mediaId)) {
            notifyFromAnotherReplica(task.idempotencyKey());
        }
        assertThat(run.get(WOKEN_WITHIN.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo("completed");
        return mediaId;
    }

    @Test
    void aValidWebhookIsPublishedToEveryReplicaThroughPostgres() throws Exception {
        String taskKey = "0123456789abcdef0123456789abcdef";
        String path = URI.create(webhooks.url(taskKey).orElseThrow()).getPath();
        awaitCondition("subscribed to task notifications", notifications::listening);

        try (Connection replica = database()) {
            replica.createStatement().execute("LISTEN " + CHANNEL);

            given().contentType("application/json").body("{\"id\":\"task_1\",\"status\":\"completed\"}")
                    .post(path).then().statusCode(200).body("received", equalTo(true));

            List<String> heard = new ArrayList<>();
            Instant deadline = Instant.now().plusSeconds(10);
            while (!heard.contains(taskKey) && Instant.now().isBefore(deadline)) {
                PGNotification[] notifications = replica.unwrap(PGConnection.class).getNotifications(500);
                if (notifications != null) {
                    for (PGNotification n : notifications) {
                        heard.add(n.getParameter());
                    }
                }
            }
            assertThat(heard).contains(taskKey);
        }
    }

    @Test
    void aWebhookUrlThisServiceDidNotHandOutIsRejectedWithAJsonReason() {
        String taskKey = "0123456789abcdef0123456789abcdef";
        String valid = URI.create(webhooks.url(taskKey).orElseThrow()).getPath();
        String forged = valid.substring(0, valid.length() - 32) + "0".repeat(32);
        String otherTask = valid.replace(taskKey, "f".repeat(32));

        for (String path : List.of(forged, otherTask, "/ittybit/webhooks/" + taskKey + "/short",
                "/ittybit/webhooks/not-a-key/" + "0".repeat(32))) {
            given().contentType("application/json").body("{}").post(path).then().statusCode(404)
                    .body("error", equalTo("not_found")).body("message", not(containsString("Exception")));
        }
    }

    @Test
    void theSubscriptionComesBackAfterPostgresTerminatesItsConnection() throws Exception {
        awaitCondition("subscribed to task notifications", notifications::listening);
        int before = listenerPid();
        try (Connection admin = database(); PreparedStatement kill = admin.prepareStatement("select pg_terminate_backend(?)")) {
            kill.setInt(1, before);
            kill.execute();
        }
        awaitCondition("subscribed again on a new connection", () -> notifications.listening() && listenerPidOrZero() != before
                && listenerPidOrZero() != 0);

        runWokenByAnotherReplica();
    }

    /** The server process of the service's LISTEN connection. */
    private static int listenerPid() throws Exception {
        try (Connection c = database(); ResultSet rs = c.createStatement().executeQuery(
                "select pid from pg_stat_activity where query = 'LISTEN " + CHANNEL + "' and pid <> pg_backend_pid()")) {
            assertThat(rs.next()).as("a LISTEN connection").isTrue();
            return rs.getInt(1);
        }
    }

    private static int listenerPidOrZero() {
        try {
            return listenerPid();
        } catch (Throwable e) {
            return 0;
        }
    }
}
