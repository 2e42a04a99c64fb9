package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.testing.ExecutorEmulator;
import io.mediafanout.testing.FakeIttybit;
import io.mediafanout.testing.PackagedApp;
import io.mediafanout.testing.PackagedApp.Replica;

/**
 * The service is killed ({@code kill -9}) mid-run, while Inngest holds a branch's wait for its Ittybit task, then
 * started again: the run (started from the {@code video/uploaded} the upload sent) completes, no memoised step body
 * runs again (one create per kind, no read of a finished branch), and the interrupted branch goes on reading the task
 * it created.
 */
class CrashRecoveryIT {

    @RegisterExtension
    static final PackagedApp app = PackagedApp.create().withFakes().devMode();

    @Test
    void aRunSurvivesTheServiceBeingKilledAndRestarted() throws Exception {
        String mediaId = PackagedFixture.newId("crash");
        // the HLS task needs 5 reads (a 2 s wait, then sleeps of 2, 4, 8, 16 s, halved by the emulator): the service
        // is killed while Inngest holds that branch's sleep
        FakeIttybit.script(mediaId, Branch.HLS_PACKAGE.kind()).readsBeforeEnd = 4;

        Replica service = app.start();
        ExecutorEmulator.Outage outage = new ExecutorEmulator.Outage();
        try {
            PackagedFixture.Upload upload = PackagedFixture.upload(service, mediaId);
            ExecutorEmulator emulator = PackagedFixture.fanout(service.serveUrl())
                    .connectionRetryDelay(Duration.ofSeconds(1)).timeScale(0.5).beforeCall(outage::hold);
            CompletableFuture<ExecutorEmulator.Run> run = PackagedFixture.runAsync(emulator, upload.event());
            PackagedFixture.await("3 branches are completed", Duration.ofSeconds(60),
                    () -> completedBranches(service, mediaId) >= 3);
            // from now on every call waits for the service to be back; the read steps that recorded those branches
            // have answered, and no call is cut by the kill
            outage.begin();
            PackagedFixture.await("no call is in flight", Duration.ofSeconds(60), () -> emulator.callsInFlight() == 0);
            assertThat(FakeIttybit.tasks(mediaId, Branch.HLS_PACKAGE.kind())).singleElement()
                    .satisfies(t -> assertThat(t.reads().get()).as("HLS reads before the kill").isBetween(1, 4));
            service.kill(); // SIGKILL: no graceful shutdown
            assertThat(run).as("the run is still in progress").isNotDone();

            service.backFrom(outage);
            ExecutorEmulator.Run done = run.get(120, TimeUnit.SECONDS);

            assertThat(done.status()).as("log: " + service.log()).isEqualTo("completed");
            // a memoised create step is never executed again: one POST per kind, one task
            FakeIttybit.assertEachKindCreatedOnce(mediaId);
            for (Branch branch : PackagedFixture.branches()) {
                if (branch == Branch.HLS_PACKAGE) {
                    continue;
                }
                // the branches done before the kill are replayed from memoised results: no read after them
                String task = FakeIttybit.tasks(mediaId, branch.kind()).get(0).id();
                assertThat(FakeIttybit.server().received(r -> r.path().equals("/tasks/" + task)))
                        .as(branch.id() + " reads").hasSize(2);
            }
            assertThat(FakeIttybit.tasks(mediaId, Branch.HLS_PACKAGE.kind()).get(0).reads().get()).isEqualTo(5);
            assertThat(PackagedFixture.json(service.media(mediaId)).path("status").asText()).isEqualTo("ready");
        } finally {
            outage.end();
        }
    }

    /** How many of the record's branches the media API shows completed. */
    private static int completedBranches(Replica service, String mediaId) throws Exception {
        var r = service.media(mediaId);
        if (r.statusCode() != 200) {
            return 0;
        }
        int completed = 0;
        for (var branch : PackagedFixture.json(r).path("branches")) {
            completed += branch.path("status").asText().equals("completed") ? 1 : 0;
        }
        return completed;
    }
}
