package io.mediafanout.reliability;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.inngest.TestHashes;
import io.mediafanout.media.MediaFixture;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.PostgresTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * PostgreSQL goes away just before {@code assemble} runs and is back when Inngest retries: the step fails, is
 * retried, and the record is written once, ready. Two ways: the server really restarted (the embedded server
 * stopped and started again on the same port and data; skipped with an external server), and the database
 * refusing new connections while the open ones are terminated (works with any server).
 */
@QuarkusTest
class DatabaseFailureTests {

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    private static String jdbcUrl() {
        return ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
    }

    private static String databaseName() {
        return jdbcUrl().replaceFirst("^.*/([^/?]+).*$", "$1");
    }

    /** A connection to the service's database, or to the server's maintenance database. */
    private static Connection connect(boolean maintenance) throws Exception {
        var config = ConfigProvider.getConfig();
        String url = maintenance ? jdbcUrl().replace("/" + databaseName(), "/postgres") : jdbcUrl();
        return DriverManager.getConnection(url, config.getValue("quarkus.datasource.username", String.class),
                config.getOptionalValue("quarkus.datasource.password", String.class).orElse(""));
    }

    /** Takes the service's database down (refuses and terminates its connections) or brings it back. */
    private static int database(boolean up) {
        try (Connection c = connect(true)) {
            c.createStatement().execute("alter database " + databaseName() + " with allow_connections " + up);
            if (up) {
                return 0;
            }
            try (ResultSet rs = c.createStatement().executeQuery("select count(pg_terminate_backend(pid)) "
                    + "from pg_stat_activity where datname = '" + databaseName() + "'")) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aPostgresRestartWhileAssembleRunsIsRetriedAndTheRecordIsWrittenOnce() throws Exception {
        assumeTrue(PostgresTestResource.restartable(), "an external server (TEST_PG_ADMIN_URL) is not restarted");
        String mediaId = MediaFixture.newId("pg");
        JsonNode uploaded = MediaFixture.of(serveUrl).upload(mediaId);
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicReference<Thread> restart = new AtomicReference<>();
        List<Integer> health = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorEmulator emulator = new ExecutorEmulator(serveUrl, "media-pipeline-fanout-adaptive-streaming",
                Optional.empty(), 3, Duration.ofMillis(100)).skipIdleTime().beforeCall((stepId, attempt) -> {
                    if (!stopped.get() && stepId.equals("step") && branchesDone(mediaId)) {
                        // assemble runs in the discovery call that follows the four branches: the server stops,
                        // and comes back a second later
                        PostgresTestResource.stopServer();
                        stopped.set(true);
                        Thread starting = new Thread(() -> sleepThen(Duration.ofSeconds(1), () -> {
                            // the database is down: the pod stays ready and alive
                            health.add(given().get("/q/health/ready").then().extract().statusCode());
                            health.add(given().get("/q/health/live").then().extract().statusCode());
                            PostgresTestResource.startAgain();
                        }));
                        restart.set(starting);
                        starting.start();
                    } else if (restart.get() != null) {
                        // Inngest's retry comes later than a PostgreSQL restart takes
                        join(restart.get());
                    }
                });
        double readyBefore = readyRuns();
        ExecutorEmulator.Run run;
        try (ReadyWrites writes = new ReadyWrites()) {
            try {
                run = emulator.runEvent(uploaded);
            } finally {
                if (restart.get() != null) {
                    join(restart.get());
                }
            }

            assertThat(stopped).as("the server was stopped").isTrue();
            assertThat(run.status()).isEqualTo("completed");
            assertThat(run.callsFor("step")).extracting(ExecutorEmulator.Call::ops).contains(List.of("StepError"));
            assertThat(run.steps()).containsKey(TestHashes.of("assemble"));
            assertWrittenOnceAndReady(mediaId, readyBefore, writes);
        }
        // readiness and liveness while the server was down: a database outage reaches every pod at once, and every
        // pod unready would send Inngest's calls to nowhere (application.properties, "Health")
        assertThat(health).as("readiness, then liveness, with PostgreSQL down").containsExactly(200, 200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    private static void sleepThen(Duration delay, Runnable action) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        action.run();
    }

    private static void join(Thread thread) {
        try {
            thread.join(Duration.ofSeconds(60).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The record is ready, and was made ready once: {@code assemble} committed exactly one time although the
     * database failed while it ran. Counted twice over: in the database (the transactions that committed a write
     * leaving the record ready, which includes a commit whose answer was lost with its connection) and by the service
     * (a second commit it saw would count a second ready run).
     */
    private static void assertWrittenOnceAndReady(String mediaId, double readyBefore, ReadyWrites writes)
            throws Exception {
        try (Connection c = connect(false); ResultSet rs = c.createStatement().executeQuery(
                "select status from media where id = '" + mediaId + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("ready");
        }
        assertThat(writes.transactions(mediaId)).as("transactions that committed the record ready").isEqualTo(1);
        assertThat(readyRuns() - readyBefore).as("records made ready by this run").isEqualTo(1.0);
        given().get("/media/" + mediaId).then().statusCode(200).body("status", equalTo("ready"));
    }

    /**
     * Records, with a trigger, every committed write of a media record that leaves it ready (with its transaction),
     * until closed: only {@code assemble} makes a record ready.
     */
    static final class ReadyWrites implements AutoCloseable {

        ReadyWrites() throws Exception {
            try (Connection c = connect(false); Statement s = c.createStatement()) {
                s.execute("create table if not exists test_ready_writes (media_id varchar(128), tx bigint)");
                s.execute("create or replace function test_ready_write() returns trigger language plpgsql as $$ "
                        + "begin if new.status = 'ready' then insert into test_ready_writes values (new.id, txid_current()); "
                        + "end if; return new; end $$");
                s.execute("drop trigger if exists test_ready_write on media");
                s.execute("create trigger test_ready_write after insert or update on media for each row "
                        + "execute function test_ready_write()");
            }
        }

        int transactions(String mediaId) throws Exception {
            try (Connection c = connect(false); ResultSet rs = c.createStatement().executeQuery(
                    "select count(distinct tx) from test_ready_writes where media_id = '" + mediaId + "'")) {
                rs.next();
                return rs.getInt(1);
            }
        }

        @Override
        public void close() throws Exception {
            try (Connection c = connect(false); Statement s = c.createStatement()) {
                s.execute("drop trigger if exists test_ready_write on media");
                s.execute("drop function if exists test_ready_write()");
                s.execute("drop table if exists test_ready_writes");
            }
        }
    }

    /**
     * {@code media_runs_total{outcome="ready"}}: records that became ready, counted when assemble commits. The value
     * is the sample's second field: an exemplar (trace and span ids) may follow it.
     */
    private static double readyRuns() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith("media_runs_total{outcome=\"ready\"} "))
                .mapToDouble(l -> Double.parseDouble(l.split(" ")[1])).findFirst().orElse(0);
    }

    @Test
    void aDatabaseThatDropsAndRefusesConnectionsWhileAssembleRunsIsRetriedAndTheRecordIsWrittenOnce() throws Exception {
        String mediaId = MediaFixture.newId("db");
        JsonNode uploaded = MediaFixture.of(serveUrl).upload(mediaId);
        AtomicInteger terminated = new AtomicInteger(-1);
        AtomicBoolean restored = new AtomicBoolean();
        ExecutorEmulator emulator = new ExecutorEmulator(serveUrl, "media-pipeline-fanout-adaptive-streaming",
                Optional.empty(), 3, Duration.ofMillis(100)).skipIdleTime().beforeCall((stepId, attempt) -> {
                    if (terminated.get() < 0 && stepId.equals("step") && branchesDone(mediaId)) {
                        // assemble runs in the discovery call that follows the four branches: the database is down
                        terminated.set(database(false));
                    } else if (terminated.get() >= 0 && !restored.get()) {
                        // Inngest retries the call later: the database is back
                        database(true);
                        restored.set(true);
                    }
                });
        double readyBefore = readyRuns();
        ExecutorEmulator.Run run;
        try (ReadyWrites writes = new ReadyWrites()) {
            try {
                run = emulator.runEvent(uploaded);
            } finally {
                database(true);
            }

            assertThat(terminated.get()).as("the database went down").isGreaterThanOrEqualTo(0);
            assertThat(restored).isTrue();
            assertThat(run.status()).isEqualTo("completed");
            assertThat(run.callsFor("step")).extracting(ExecutorEmulator.Call::ops).contains(List.of("StepError"));
            assertThat(run.steps()).containsKey(TestHashes.of("assemble"));
            assertWrittenOnceAndReady(mediaId, readyBefore, writes);
        }
    }

    private static boolean branchesDone(String mediaId) {
        try (Connection c = connect(false); ResultSet rs = c.createStatement().executeQuery(
                "select count(*) from media_branch where status = 'completed' and media_id = '" + mediaId + "'")) {
            rs.next();
            return rs.getInt(1) == 4;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void aRunThatFailsWhileTheDatabaseIsDownStillEndsFailedWithItsEventOnceTheDatabaseIsBack() throws Exception {
        String mediaId = MediaFixture.newId("pgf");
        JsonNode uploaded = MediaFixture.of(serveUrl).upload(mediaId);
        // Inngest's failure event for a run of the event the API sent (the run itself is not the point here)
        var failed = MediaFixture.failureEvent(uploaded, MediaFixture.JSON.createObjectNode().put("name", "Error")
                .put("message", "Ittybit kept failing"));
        AtomicInteger calls = new AtomicInteger();
        ExecutorEmulator handler = new ExecutorEmulator(serveUrl, "media-pipeline-fanout-adaptive-streaming-failure",
                Optional.empty(), 10, Duration.ofMillis(300)).beforeCall((stepId, attempt) -> {
                    if (calls.incrementAndGet() == 4) {
                        database(true); // back after three failed attempts
                    }
                });

        database(false);
        ExecutorEmulator.Run run;
        try {
            run = handler.run("inngest/function.failed", failed);
        } finally {
            database(true);
        }

        assertThat(run.status()).isEqualTo("completed");
        assertThat(run.calls()).extracting(ExecutorEmulator.Call::ops).contains(List.of("StepError"));
        // Inngest gives the handler as many retries as it declares: with its backoff, hours of outage
        assertThat(io.mediafanout.testing.FakeInngestApi.syncedFunction(serveUrl,
                "media-pipeline-fanout-adaptive-streaming-failure").path("steps").path("step").path("retries")
                .path("attempts").asInt()).isEqualTo(10);
        try (Connection c = connect(false); ResultSet rs = c.createStatement().executeQuery(
                "select status from media where id = '" + mediaId + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("failed");
        }
        assertThat(io.mediafanout.testing.FakeInngestApi.receivedEvents()).filteredOn(e -> e.path("name").asText()
                .equals("media/failed") && e.path("data").path("mediaId").asText().equals(mediaId)).singleElement()
                .satisfies(e -> assertThat(e.path("id").asText()).isEqualTo("media-failed-" + mediaId + "-r0"));
    }
}
