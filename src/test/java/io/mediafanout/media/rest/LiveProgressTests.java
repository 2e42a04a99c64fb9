package io.mediafanout.media.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.media.MediaFixture;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * {@code GET /media/{id}/events}: the record now, then one message per change, each with the record's version as its
 * id and the record as {@code GET /media/{id}} shows it; the stream ends after a terminal state; {@code Last-Event-ID}
 * resumes. Changes reach the stream through PostgreSQL's NOTIFY (the steps run in other requests).
 */
@QuarkusTest
class LiveProgressTests {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static JsonNode json(String text) {
        try {
            return MediaFixture.JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(text, e);
        }
    }

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @TestHTTPResource("/")
    URI base;

    /** One server-sent message: its event name, id and data. */
    record Message(String event, String id, JsonNode data) {
    }

    /** Opens the stream and reads it to its end (or {@code within}), message by message. */
    private CompletableFuture<List<Message>> stream(String mediaId, String lastEventId, Duration within) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("media/" + mediaId + "/events"))
                .header("Accept", "text/event-stream").timeout(within);
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return HTTP.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines()).thenApply(response -> {
            assertThat(response.statusCode()).isEqualTo(200);
            return messages(response.body());
        });
    }

    private static List<Message> messages(Stream<String> lines) {
        List<Message> messages = new ArrayList<>();
        read(lines, message -> {
            messages.add(message);
            return false;
        });
        return messages;
    }

    /** Reads messages until {@code done} says so or the stream ends; returns the message that ended it, or null. */
    private static Message read(Stream<String> lines, java.util.function.Predicate<Message> done) {
        String event = null;
        String id = null;
        StringBuilder data = new StringBuilder();
        for (String line : (Iterable<String>) lines::iterator) {
            if (line.isEmpty()) {
                if (data.length() > 0) {
                    Message message = new Message(event, id, json(data.toString()));
                    if (done.test(message)) {
                        return message;
                    }
                }
                event = null;
                id = null;
                data.setLength(0);
            } else if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            } else if (line.startsWith("id:")) {
                id = line.substring(3).trim();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5).trim());
            }
        }
        return null;
    }

    @Test
    void aStreamSendsTheRecordThenEachChangeAndEndsOnceItIsReady() throws Exception {
        MediaFixture fixture = MediaFixture.of(serveUrl);
        String mediaId = MediaFixture.newId("live");
        fixture.upload(mediaId);
        double streamsBefore = liveStreams();
        CompletableFuture<List<Message>> stream = stream(mediaId, null, Duration.ofMinutes(1));
        // the stream is open before the run starts, however slowly it opened: it sees the record processing
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> liveStreams() > streamsBefore);

        assertThat(fixture.run(mediaId).status()).isEqualTo("completed");
        List<Message> messages = stream.get(1, TimeUnit.MINUTES);

        assertThat(messages).hasSizeGreaterThanOrEqualTo(2).allSatisfy(m -> {
            assertThat(m.event()).isEqualTo("media");
            assertThat(m.data().path("id").asText()).isEqualTo(mediaId);
        });
        assertThat(messages.get(0).data().path("status").asText()).isEqualTo("processing");
        Message last = messages.get(messages.size() - 1);
        assertThat(last.data().path("status").asText()).isEqualTo("ready");
        assertThat(last.data().path("hlsUrl").asText()).startsWith("http");
        assertThat(messages.stream().map(m -> Long.parseLong(m.id())).toList()).as("versions grow")
                .isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
        // the last message is the record as GET /media/{id} shows it
        JsonNode shown = json(HTTP.send(HttpRequest.newBuilder(base.resolve("media/" + mediaId)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(last.data()).isEqualTo(shown);

        // resumed at the final version (header or query parameter): 204, which stops an EventSource reconnecting
        for (HttpRequest resumed : List.of(
                HttpRequest.newBuilder(base.resolve("media/" + mediaId + "/events")).header("Last-Event-ID", last.id())
                        .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build(),
                HttpRequest.newBuilder(base.resolve("media/" + mediaId + "/events?lastEventId=" + last.id()))
                        .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build())) {
            HttpResponse<String> ended = HTTP.send(resumed, HttpResponse.BodyHandlers.ofString());
            assertThat(ended.statusCode()).as(resumed.uri().toString()).isEqualTo(204);
            assertThat(ended.body()).isEmpty();
        }
        // from an older one: the final state, then the end
        assertThat(stream(mediaId, messages.get(0).id(), Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS))
                .singleElement().satisfies(m -> assertThat(m.id()).isEqualTo(last.id()));
        // an id above the record's version was never one of its own (another record's, made up): the current state
        assertThat(stream(mediaId, "99999999999", Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS))
                .singleElement().satisfies(m -> assertThat(m.id()).isEqualTo(last.id()));
    }

    /** Ends the service's LISTEN connection from the server's side, as a database failover or a proxy would. */
    /** The LISTEN connections the pods hold now. */
    private static int listenConnections() throws Exception {
        try (java.sql.Connection c = database(); java.sql.ResultSet rows = c.createStatement().executeQuery(
                "select count(*) from pg_stat_activity where query ilike 'LISTEN%media_changes%'")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static int terminateListenConnections() throws Exception {
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getOptionalValue("quarkus.datasource.password", String.class).orElse(""));
                java.sql.ResultSet rows = c.createStatement().executeQuery("select count(pg_terminate_backend(pid)) "
                        + "from pg_stat_activity where query ilike 'LISTEN%media_changes%'")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static java.sql.Connection database() throws java.sql.SQLException {
        return MediaFixture.database();
    }

    /** Opens the stream; its messages land in {@code into} as they arrive; the future ends with the stream. */
    private CompletableFuture<Void> follow(String mediaId, java.util.Queue<Message> into) {
        return HTTP.sendAsync(HttpRequest.newBuilder(base.resolve("media/" + mediaId + "/events"))
                .header("Accept", "text/event-stream").timeout(Duration.ofMinutes(1)).build(),
                HttpResponse.BodyHandlers.ofLines()).thenAccept(response -> read(response.body(), message -> {
                    into.add(message);
                    return false; // to the stream's end
                }));
    }

    @Test
    void aRecordMarkedFailedWhileOneOfItsBranchesChangesEndsItsStreamWithItsWholeFinalState() throws Exception {
        MediaFixture fixture = MediaFixture.of(serveUrl);
        String mediaId = MediaFixture.newId("live");
        fixture.upload(mediaId);
        try (java.sql.Connection branch = database(); java.sql.Connection failure = database()) {
            // a branch running, as a run's first step leaves it
            try (var insert = branch.prepareStatement("insert into media_branch (media_id, name, status, attempts) "
                    + "values (?, 'hls-package', 'running', 1)")) {
                insert.setString(1, mediaId);
                insert.executeUpdate();
            }
            java.util.Queue<Message> messages = new java.util.concurrent.ConcurrentLinkedQueue<>();
            CompletableFuture<Void> stream = follow(mediaId, messages);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !messages.isEmpty());

            // a branch's step records its task; before it commits, the failure handler marks the record failed
            branch.setAutoCommit(false);
            try (var update = branch.prepareStatement("update media_branch set task_id = 'task-late', "
                    + "updated_at = now() where media_id = ? and name = 'hls-package'")) {
                update.setString(1, mediaId);
                assertThat(update.executeUpdate()).isEqualTo(1);
            }
            Thread markFailed = new Thread(() -> {
                try (var update = failure.prepareStatement("update media set status = 'failed', "
                        + "error_code = 'run_failed', error = 'gif-preview failed', updated_at = now() where id = ?")) {
                    update.setString(1, mediaId);
                    update.executeUpdate();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            int failurePid;
            try (var pid = failure.createStatement().executeQuery("select pg_backend_pid()")) {
                pid.next();
                failurePid = pid.getInt(1);
            }
            markFailed.start();
            // the record's change waits for its branch's: committed first, with the larger number, the failure would
            // be the stream's last message without the branch's change, committed after it at a smaller number
            try (java.sql.Connection watch = database(); var waiting = watch.prepareStatement(
                    "select wait_event_type from pg_stat_activity where pid = ?")) {
                waiting.setInt(1, failurePid);
                org.awaitility.Awaitility.await("the record's change waiting for a lock").atMost(Duration.ofSeconds(10))
                        .until(() -> {
                            try (var row = waiting.executeQuery()) {
                                return row.next() && "Lock".equals(row.getString(1));
                            }
                        });
            }
            assertThat(markFailed.isAlive()).as("the record's change, while a change of its branch is in flight")
                    .isTrue();
            branch.commit();
            markFailed.join(10_000);
            assertThat(markFailed.isAlive()).isFalse();

            stream.get(30, TimeUnit.SECONDS);
            JsonNode last = messages.stream().reduce((first, second) -> second).orElseThrow().data();
            assertThat(last.path("status").asText()).as("the stream's last message").isEqualTo("failed");
            assertThat(last.toString()).as("the stream's last message is the record as it ended")
                    .isEqualTo(json(io.restassured.RestAssured.given().get("/media/" + mediaId).then().statusCode(200)
                            .extract().asString()).toString());
            assertThat(messages).extracting(m -> Long.parseLong(m.id())).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void theBookkeepingOfARecordsEventIsNoChangeOfTheRecord() throws Exception {
        MediaFixture fixture = MediaFixture.of(serveUrl);
        String mediaId = MediaFixture.newId("live");
        fixture.upload(mediaId);
        java.util.Queue<Message> messages = new java.util.concurrent.ConcurrentLinkedQueue<>();
        CompletableFuture<Void> stream = follow(mediaId, messages);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !messages.isEmpty());

        try (java.sql.Connection c = database()) {
            // what the reconciler and the event sender write: nothing GET /media/{id} shows
            try (var bookkeeping = c.prepareStatement("update media set event_attempted_at = now(), "
                    + "failed_event_due = false where id = ?")) {
                bookkeeping.setString(1, mediaId);
                assertThat(bookkeeping.executeUpdate()).isEqualTo(1);
            }
            Thread.sleep(500); // a message for it would have come by now (a read window is 20 ms)
            try (var ready = c.prepareStatement("update media set status = 'ready', updated_at = now() where id = ?")) {
                ready.setString(1, mediaId);
                assertThat(ready.executeUpdate()).isEqualTo(1);
            }
        }

        stream.get(30, TimeUnit.SECONDS);
        assertThat(messages).extracting(m -> m.data().path("status").asText()).containsExactly("processing", "ready");
    }

    @Test
    void aRecordLastChangedBeforeVersionsWereKeptIsSentToo() throws Exception {
        MediaFixture fixture = MediaFixture.of(serveUrl);
        String mediaId = MediaFixture.newId("live");
        fixture.upload(mediaId);
        // as a row stored before V9 reads: version 0 (an update of the version alone is no change: nothing numbers it)
        try (java.sql.Connection c = database()) {
            for (String sql : List.of("update media set status = 'ready' where id = ?",
                    "update media set version = 0 where id = ?")) {
                try (var update = c.prepareStatement(sql)) {
                    update.setString(1, mediaId);
                    assertThat(update.executeUpdate()).isEqualTo(1);
                }
            }
        }

        List<Message> messages = stream(mediaId, null, Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS);

        assertThat(messages).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo("0");
            assertThat(m.data().path("status").asText()).isEqualTo("ready");
        });
    }

    @Test
    void aLostListenConnectionIsReestablishedAndTheStreamStillEndsWithTheFinalState() throws Exception {
        MediaFixture fixture = MediaFixture.of(serveUrl);
        String mediaId = MediaFixture.newId("live");
        fixture.upload(mediaId);
        CompletableFuture<List<Message>> stream = stream(mediaId, null, Duration.ofMinutes(1));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> terminateListenConnections() > 0);

        assertThat(fixture.run(mediaId).status()).isEqualTo("completed");

        // the notices sent while it was down are lost; the reconnection reads every watched record again
        List<Message> messages = stream.get(1, TimeUnit.MINUTES);
        assertThat(messages).last().satisfies(m -> assertThat(m.data().path("status").asText()).isEqualTo("ready"));
    }

    /**
     * The stream of all records when its replica's notices were lost: a record uploaded while the {@code LISTEN}
     * connection was down (its notice lost) still comes, read again from the database once the connection is back,
     * and the stream goes on: a record uploaded after that comes too.
     */
    @Test
    void theStreamOfAllRecordsGetsWhatChangedWhileTheListenConnectionWasLostAndGoesOn() throws Exception {
        MediaFixture fixture = MediaFixture.of(serveUrl);
        double before = liveStreams();
        CompletableFuture<HttpResponse<Stream<String>>> open = HTTP.sendAsync(HttpRequest.newBuilder(
                base.resolve("media/events")).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> liveStreams() > before);
        HttpResponse<Stream<String>> response = open.get(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        try (Stream<String> lines = response.body()) {
            String after = MediaFixture.newId("live");
            // a record uploaded while no LISTEN connection exists (it comes back a second later): its notice is lost
            String whileDown = null;
            for (int attempt = 0; attempt < 5 && whileDown == null; attempt++) {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> terminateListenConnections() > 0);
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> listenConnections() == 0);
                String id = MediaFixture.newId("live");
                fixture.upload(id);
                whileDown = listenConnections() == 0 ? id : null;
            }
            assertThat(whileDown).as("a record uploaded while no LISTEN connection existed").isNotNull();
            String lost = whileDown;
            java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            CompletableFuture<Message> last = CompletableFuture.supplyAsync(() -> read(lines, m -> {
                seen.add(m.data().path("id").asText());
                return m.data().path("id").asText().equals(after);
            }));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains(lost));

            fixture.upload(after);
            assertThat(last.get(30, TimeUnit.SECONDS).data().path("status").asText()).as("the stream goes on")
                    .isEqualTo("processing");
        }
    }

    @Test
    void theStreamOfAllRecordsCarriesARecordsChangeInTheStatusAskedForAndGoesOn() throws Exception {
        MediaFixture fixture = MediaFixture.of(serveUrl);
        String mediaId = MediaFixture.newId("live");
        fixture.upload(mediaId);
        CompletableFuture<HttpResponse<Stream<String>>> open = HTTP.sendAsync(HttpRequest.newBuilder(
                base.resolve("media/events?status=ready")).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines());
        // it carries the changes from when it is open: the run starts once the stream is registered
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> liveStreams() > 0);

        assertThat(fixture.run(mediaId).status()).isEqualTo("completed");

        HttpResponse<Stream<String>> response = open.get(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        try (Stream<String> lines = response.body()) {
            Message ready = CompletableFuture.supplyAsync(() -> read(lines,
                    m -> m.data().path("id").asText().equals(mediaId))).get(30, TimeUnit.SECONDS);
            assertThat(ready.event()).isEqualTo("media");
            assertThat(ready.data().path("status").asText()).isEqualTo("ready");
            assertThat(Long.parseLong(ready.id())).isPositive();
        }
        // a status the list does not know is a 400 naming it, before any stream
        HttpResponse<String> bad = HTTP.send(HttpRequest.newBuilder(base.resolve("media/events?status=done"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad.body()).path("errors").path(0).path("field").asText()).isEqualTo("status");
    }

    /** {@code media_live_streams} as /q/metrics shows it. */
    private double liveStreams() throws Exception {
        return metric("media_live_streams");
    }

    /** A metric once two readings 300 ms apart agree (at most 10 s). */
    private double settled(String name) throws Exception {
        double previous = metric(name);
        for (int i = 0; i < 33; i++) {
            Thread.sleep(300);
            double now = metric(name);
            if (now == previous) {
                return now;
            }
            previous = now;
        }
        throw new AssertionError(name + " still changing after 10 s");
    }

    /** A metric without labels as /q/metrics shows it. */
    private double metric(String name) throws Exception {
        String metrics = HTTP.send(HttpRequest.newBuilder(base.resolve("q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(
                l -> Double.parseDouble(l.split(" ")[1])).findFirst().orElse(0);
    }

    @Test
    void changesOfManyRecordsCommittedTogetherReachTheirStreamsInOneRead() throws Exception {
        MediaFixture fixture = MediaFixture.of(serveUrl);
        List<String> ids = new ArrayList<>();
        List<java.util.concurrent.atomic.AtomicInteger> received = new ArrayList<>();
        List<CompletableFuture<Message>> changed = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String mediaId = MediaFixture.newId("live");
            fixture.upload(mediaId);
            ids.add(mediaId);
            var count = new java.util.concurrent.atomic.AtomicInteger();
            received.add(count);
            // the stream's second message: the record after the change below
            changed.add(HTTP.sendAsync(HttpRequest.newBuilder(base.resolve("media/" + mediaId + "/events"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines())
                    .thenApply(response -> read(response.body(), m -> count.incrementAndGet() == 2)));
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> received.stream().allMatch(count -> count.get() == 1));
        // the streams' first reads are counted a moment after their messages left: counted before the change, all
        double readsBefore = settled("media_live_reads_seconds_count");

        // one statement changes the ten records, as the reconciler's batch update does: ten notices at its commit
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getOptionalValue("quarkus.datasource.password", String.class).orElse(""));
                var update = c.prepareStatement("update media set updated_at = now() where id = any(?)")) {
            update.setArray(1, c.createArrayOf("varchar", ids.toArray()));
            assertThat(update.executeUpdate()).isEqualTo(10);
        }

        for (int i = 0; i < ids.size(); i++) {
            Message message = changed.get(i).get(30, TimeUnit.SECONDS);
            assertThat(message.data().path("id").asText()).isEqualTo(ids.get(i));
        }
        // one read for the ten (media.live.read-window gathers them; read at once, the first notice would start a
        // read of its record, the second another, the eight others a third); the periodic resync may add one. A read
        // is counted once its records are handed over: a moment after the streams may have them
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> metric("media_live_reads_seconds_count") > readsBefore);
        Thread.sleep(300);
        assertThat(metric("media_live_reads_seconds_count") - readsBefore).isBetween(1.0, 2.0);
    }

    @Test
    void aQuietStreamGetsAKeepAliveCommentEveryIntervalAndNoOtherMessage() throws Exception {
        MediaFixture fixture = MediaFixture.of(serveUrl);
        String mediaId = MediaFixture.newId("live");
        fixture.upload(mediaId); // not run: nothing changes

        HttpResponse<Stream<String>> response = HTTP.sendAsync(HttpRequest.newBuilder(
                base.resolve("media/" + mediaId + "/events")).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines()).get(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture.runAsync(() -> response.body().forEach(lines::add));

        // media.live.keep-alive is PT1S in tests: the record's state, then comment lines only
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> lines.stream().filter(line -> line.startsWith(":")).count() >= 2);
        assertThat(lines.stream().filter(line -> line.startsWith("data:"))).hasSize(1);
        assertThat(lines.stream().filter(line -> line.startsWith(":"))).allMatch(line -> line.contains("keep-alive"));
        response.body().close();
    }

    @Test
    void noStreamStartsForARecordThatDoesNotExist() throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(base.resolve("media/no-such-" + MediaFixture
                .newId("live") + "/events")).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(json(answer.body()).path("code").asText()).isEqualTo("not_found");
    }
}
