package io.mediafanout.reliability;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.mediafanout.testing.Transcript;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * Every connection of the application's pool is taken (what a burst does): a query then fails after the acquire
 * timeout instead of waiting without end, while readiness and Inngest's discovery calls, which never wait on the
 * pool, keep answering at once.
 */
@QuarkusTest
class PoolSaturationTests {

    @Inject
    Pool pool;

    @Test
    void aSaturatedPoolFailsQueriesFastAndLeavesReadinessAndDiscoveryAlone() throws Exception {
        int size = ConfigProvider.getConfig().getValue("quarkus.datasource.reactive.max-size", Integer.class);
        Duration timeout = ConfigProvider.getConfig().getValue("media.database.acquire-timeout", Duration.class);
        List<SqlConnection> held = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                held.add(pool.getConnection().await().atMost(Duration.ofSeconds(10)));
            }

            long start = System.nanoTime();
            assertThatThrownBy(() -> pool.query("select 1").execute().await().atMost(timeout.multipliedBy(5)))
                    .as("a query with no connection to be had").hasMessageContaining("imeout");
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            assertThat(waited).as("waited for a connection").isBetween(timeout.minusMillis(200), timeout.multipliedBy(3));

            given().get("/q/health/ready").then().statusCode(200);
            Transcript discovery = Transcript.load("02-A-post-discovery-no-state.json");
            given().contentType("application/json").body(discovery.requestBody())
                    .post("/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step")
                    .then().statusCode(206);
        } finally {
            held.forEach(SqlConnection::closeAndForget);
        }
        assertThat(pool.query("select 1").execute().await().atMost(Duration.ofSeconds(10)).size()).isEqualTo(1);
    }
}
