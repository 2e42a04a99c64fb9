package io.mediafanout.media.service.intake;

import static io.mediafanout.testing.TestApiKey.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.mediafanout.media.MediaFixture;
import io.mediafanout.media.repository.MediaRepository;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.testing.FakeInngestApi;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * An owner has at most {@code MEDIA_API_MAX_IN_PROGRESS_PER_OWNER} records in processing (3 here): uploads and
 * reprocessing above it are {@code 429 too_many_in_progress} with {@code Retry-After} and store nothing, also when
 * they come at once; other owners are not affected, and a repeat of a stored upload gets its usual answer. Each test
 * has its own owner (a key named afresh for each run, as the test database outlives it).
 */
@QuarkusTest
@TestProfile(InProgressCapTests.SmallCap.class)
class InProgressCapTests {

    static final int CAP = 3;
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String PARALLEL = "mf_capp_" + "5".repeat(32);
    static final String REPROCESS = "mf_capr_" + "6".repeat(32);
    static final String IDEMPOTENT = "mf_capi_" + "7".repeat(32);
    static final String OTHER = "mf_capo_" + "8".repeat(32);
    static final String HELD = "mf_caph_" + "9".repeat(32);

    public static class SmallCap implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String roles = "media:write+media:read";
            return Map.of("media.api.keys", String.join(",", entry("cap-parallel-" + RUN, PARALLEL, roles),
                    entry("cap-reprocess-" + RUN, REPROCESS, roles), entry("cap-idempotent-" + RUN, IDEMPOTENT, roles),
                    entry("cap-other-" + RUN, OTHER, roles), entry("cap-held-" + RUN, HELD, roles)),
                    "media.api.rate-limit-per-second", "1000", "media.api.rate-limit-burst", "1000",
                    "media.api.max-in-progress-per-owner", Integer.toString(CAP));
        }

    }

    @BeforeEach
    void resetFakes() {
        FakeInngestApi.reset();
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType("application/json");
    }

    private static String upload(String mediaId) {
        return MediaFixture.uploadBody(mediaId, "");
    }

    private static void assertRefused(Response response) {
        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.jsonPath().getString("code")).isEqualTo("too_many_in_progress");
        assertThat(response.jsonPath().getString("detail")).contains("MEDIA_API_MAX_IN_PROGRESS_PER_OWNER (3)");
        assertThat(response.header("Retry-After")).isEqualTo("5");
    }

    @Test
    void parallelUploadsOfOneOwnerNeverExceedTheCapAndTheRefusedStoreNothing() throws Exception {
        int posts = 12;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < posts; i++) {
            ids.add(MediaFixture.newId("capp"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(posts);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Response>> answers = new ArrayList<>();
        try {
            for (String id : ids) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return as(PARALLEL).body(upload(id)).post("/media");
                }));
            }
            go.countDown();
            List<String> accepted = new ArrayList<>();
            for (int i = 0; i < posts; i++) {
                Response answer = answers.get(i).get(60, TimeUnit.SECONDS);
                if (answer.statusCode() == 202) {
                    accepted.add(ids.get(i));
                } else {
                    assertRefused(answer);
                    as(PARALLEL).get("/media/" + ids.get(i)).then().statusCode(404);
                    assertThat(MediaFixture.eventsFor(MediaEvents.UPLOADED, ids.get(i))).isEmpty();
                }
            }
            assertThat(accepted).hasSize(CAP);
            as(PARALLEL).get("/media?limit=100").then().statusCode(200).body("items", hasSize(CAP))
                    .body("items.findAll { it.status == 'processing' }", hasSize(CAP));

            // a repeat of a stored upload gets its usual answer, not a 429
            as(PARALLEL).body(upload(accepted.get(0))).post("/media").then().statusCode(202)
                    .body("id", equalTo(accepted.get(0)));
            // another owner is not affected
            as(OTHER).body(upload(MediaFixture.newId("capo"))).post("/media").then().statusCode(202);
            // and a place freed is taken again
            as(PARALLEL).delete("/media/" + accepted.get(1)).then().statusCode(200);
            as(PARALLEL).body(upload(MediaFixture.newId("capp"))).post("/media").then().statusCode(202);
            assertRefused(as(PARALLEL).body(upload(MediaFixture.newId("capp"))).post("/media"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aReprocessAboveTheCapIsRefusedAndLeavesTheRecordAsItWas() {
        String done = MediaFixture.newId("capr");
        as(REPROCESS).body(upload(done)).post("/media").then().statusCode(202);
        as(REPROCESS).delete("/media/" + done).then().statusCode(200).body("status", equalTo("cancelled"));
        for (int i = 0; i < CAP; i++) {
            as(REPROCESS).body(upload(MediaFixture.newId("capr"))).post("/media").then().statusCode(202);
        }
        long events = MediaFixture.eventsFor(MediaEvents.UPLOADED, done).size();

        assertRefused(as(REPROCESS).post("/media/" + done + "/reprocess"));
        assertRefused(as(REPROCESS).header("Idempotency-Key", UUID.randomUUID().toString())
                .post("/media/" + done + "/reprocess"));

        as(REPROCESS).get("/media/" + done).then().statusCode(200).body("status", equalTo("cancelled"));
        assertThat(MediaFixture.eventsFor(MediaEvents.UPLOADED, done)).hasSize((int) events);
    }

    @Test
    void aRefusedUploadKeepsNoIdempotencyKey() {
        for (int i = 0; i < CAP; i++) {
            as(IDEMPOTENT).body(upload(MediaFixture.newId("capi"))).post("/media").then().statusCode(202);
        }
        String key = UUID.randomUUID().toString();
        String refused = MediaFixture.newId("capi");
        assertRefused(as(IDEMPOTENT).header("Idempotency-Key", key).body(upload(refused)).post("/media"));
        as(IDEMPOTENT).get("/media/" + refused).then().statusCode(404);

        String first = as(IDEMPOTENT).get("/media?limit=100").then().statusCode(200).extract().path("items[0].id");
        as(IDEMPOTENT).delete("/media/" + first).then().statusCode(200);
        // had the refused request kept its key, the same key with another request would be a 422
        String other = MediaFixture.newId("capi");
        as(IDEMPOTENT).header("Idempotency-Key", key).body(upload(other)).post("/media").then().statusCode(202)
                .body("id", equalTo(other)).body("status", equalTo("processing"));
    }

    /**
     * One owner's uploads at once hold one pool connection of the replica, however many they are: they wait for their
     * turn in memory, and only the one whose turn it is waits in PostgreSQL for the owner's lock. Here the lock is
     * held from outside (as a long admission on another replica would hold it) while twelve uploads come, more than
     * the pool's eight connections: another owner's requests, which need a connection, are answered meanwhile; once
     * the lock is free the twelve are admitted in turn, as many as the cap and the rest refused.
     */
    @Test
    void oneOwnersBurstWaitingForItsLockLeavesThePoolToOtherOwners() throws Exception {
        int posts = 12;
        ExecutorService pool = Executors.newFixedThreadPool(posts);
        List<Future<Response>> answers = new ArrayList<>();
        try {
            try (Connection lock = database()) {
                lock.setAutoCommit(false);
                try (Statement s = lock.createStatement()) {
                    s.execute("select pg_advisory_xact_lock(" + MediaRepository.OWNER_ADMISSION_LOCK_CLASS
                            + ", hashtext('cap-held-" + RUN + "'))");
                }
                for (int i = 0; i < posts; i++) {
                    String id = MediaFixture.newId("caph");
                    answers.add(pool.submit(() -> as(HELD).body(upload(id)).post("/media")));
                }
                // the uploads come and wait: the first for the lock, the others for their turn
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                        .until(() -> waitingForTheLock(lock) >= 1);
                Thread.sleep(500);
                assertThat(answers).noneMatch(Future::isDone);
                assertThat(waitingForTheLock(lock)).as("uploads waiting in PostgreSQL, each holding a connection")
                        .isEqualTo(1);

                // another owner's list and upload each need a connection: answered now, not after the burst
                long start = System.nanoTime();
                as(OTHER).get("/media?limit=1").then().statusCode(200);
                as(OTHER).body(upload(MediaFixture.newId("capo"))).post("/media").then().statusCode(202);
                assertThat((System.nanoTime() - start) / 1_000_000).as("ms for another owner's two requests")
                        .isLessThan(5_000);
                assertThat(waitingForTheLock(lock)).as("uploads waiting in PostgreSQL").isEqualTo(1);
                lock.commit();
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Response> answer : answers) {
                Response response = answer.get(60, TimeUnit.SECONDS);
                statuses.add(response.statusCode());
                if (response.statusCode() != 202) {
                    assertRefused(response);
                }
            }
            assertThat(statuses).filteredOn(status -> status == 202).hasSize(CAP);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Sessions of this test's database waiting for an advisory lock, but {@code holder}'s. */
    private static int waitingForTheLock(Connection holder) throws Exception {
        try (Statement s = holder.createStatement(); ResultSet rows = s.executeQuery("select count(*) from pg_locks "
                + "where locktype = 'advisory' and not granted and classid = "
                + MediaRepository.OWNER_ADMISSION_LOCK_CLASS
                + " and database = (select oid from pg_database where datname = current_database())")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static Connection database() throws Exception {
        var config = ConfigProvider.getConfig();
        return DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
    }

    /**
     * The count of an owner's records in progress reads only the partial index of V8 (an index-only scan, never the
     * table): checked with sequential scans off, as on a table this small the planner would rather read it all.
     */
    @Test
    void theCountReadsTheOwnersProcessingIndexOnly() throws Exception {
        var config = ConfigProvider.getConfig();
        StringBuilder plan = new StringBuilder();
        try (Connection c = DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class)); Statement s = c.createStatement()) {
            s.execute("vacuum analyze media");
            s.execute("set enable_seqscan = off");
            try (ResultSet rows = s.executeQuery("explain select count(*) from media where owner = 'someone' "
                    + "and status = 'processing' and id <> 'med_x'")) {
                while (rows.next()) {
                    plan.append(rows.getString(1)).append('\n');
                }
            }
        }
        assertThat(plan.toString()).contains("Index Only Scan using media_owner_processing");
    }
}
