package io.mediafanout.reliability;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.TestHashes;
import io.mediafanout.testing.ExecutorEmulator;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * PostgreSQL drops every connection of the service (what a restart or a failover does to it) just before
 * {@code assemble} runs: the step fails, Inngest retries it, and the record is written once, ready.
 */
@QuarkusTest
class DatabaseFailureTests {

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    private static Connection admin() throws Exception {
        var config = ConfigProvider.getConfig();
        return DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getOptionalValue("quarkus.datasource.password", String.class).orElse(""));
    }

    /** Terminates every other session on the service's database, as a server restart would. */
    private static int dropConnections() {
        try (Connection c = admin(); ResultSet rs = c.createStatement().executeQuery(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity "
                        + "where datname = current_database() and pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void connectionsDroppedWhileAssembleRunsAreRetriedAndTheRecordIsWrittenOnce() throws Exception {
        String mediaId = "db_" + UUID.randomUUID().toString().substring(0, 8);
        String assemble = TestHashes.of("assemble");
        AtomicInteger dropped = new AtomicInteger();
        ExecutorEmulator emulator = new ExecutorEmulator(serveUrl, "media-pipeline-fanout-adaptive-streaming",
                Optional.empty(), 3, Duration.ofMillis(100)).beforeCall((stepId, attempt) -> {
                    // assemble runs in the discovery call that follows the four branches
                    if (stepId.equals("step") && attempt == 0 && dropped.get() == 0 && branchesDone(mediaId)) {
                        dropped.set(Math.max(1, dropConnections()));
                    }
                });
        ExecutorEmulator.Run run = emulator.run("video/uploaded", new ObjectMapper().createObjectNode()
                .put("mediaId", mediaId).put("sourceUrl", "https://uploads.example/" + mediaId + ".mp4"));

        assertThat(dropped.get()).as("connections were dropped").isPositive();
        assertThat(run.status()).isEqualTo("completed");
        List<ExecutorEmulator.Call> discovery = run.callsFor("step");
        assertThat(discovery).extracting(ExecutorEmulator.Call::ops).contains(List.of("StepError"));
        assertThat(run.steps()).containsKey(assemble);
        try (Connection c = admin(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*), min(status) from media where id = '" + mediaId + "'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
            assertThat(rs.getString(2)).isEqualTo("ready");
        }
        given().get("/media/" + mediaId).then().statusCode(200);
    }

    private static boolean branchesDone(String mediaId) {
        try (Connection c = admin(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*) from media_branch where status = 'completed' and media_id = '" + mediaId + "'")) {
            rs.next();
            return rs.getInt(1) == 4;
        } catch (Exception e) {
            return false;
        }
    }
}
