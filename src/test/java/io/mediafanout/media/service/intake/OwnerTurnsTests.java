package io.mediafanout.media.service.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * {@link OwnerTurns}: one admission of an owner at a time, in the order they came, a bounded number waiting; other
 * owners never wait for it. Admissions here are futures the test completes, standing for transactions.
 */
class OwnerTurnsTests {

    private final OwnerTurns turns = new OwnerTurns(2);
    private final List<String> started = new CopyOnWriteArrayList<>();

    /** {@link #admission} subscribed to, as a request does. */
    private UniAssertSubscriber<String> request(String name, CompletableFuture<String> end) {
        return admission(name, end).subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    /** An admission that records its start and ends when {@code end} is completed. */
    private Uni<String> admission(String name, CompletableFuture<String> end) {
        return turns.run(name.substring(0, 1), () -> {
            started.add(name);
            return Uni.createFrom().completionStage(end);
        });
    }

    @Test
    void anOwnersAdmissionsRunOneAtATimeInTheOrderTheyCame() {
        CompletableFuture<String> a1 = new CompletableFuture<>();
        CompletableFuture<String> a2 = new CompletableFuture<>();
        CompletableFuture<String> a3 = new CompletableFuture<>();
        var first = request("a1", a1);
        var second = request("a2", a2);
        var third = request("a3", a3);
        assertThat(started).containsExactly("a1");

        a1.complete("one");
        first.assertCompleted().assertItem("one");
        assertThat(started).containsExactly("a1", "a2");
        a2.completeExceptionally(new IllegalStateException("refused"));
        second.assertFailedWith(IllegalStateException.class, "refused");
        assertThat(started).as("a failed admission passes the turn too").containsExactly("a1", "a2", "a3");
        a3.complete("three");
        third.assertCompleted().assertItem("three");
    }

    @Test
    void anotherOwnerNeverWaitsForThisOnesTurns() {
        request("a1", new CompletableFuture<>());
        request("a2", new CompletableFuture<>());
        CompletableFuture<String> b1 = new CompletableFuture<>();
        var other = request("b1", b1);

        assertThat(started).containsExactly("a1", "b1");
        b1.complete("b");
        other.assertCompleted().assertItem("b");
    }

    @Test
    void pastTheLimitOfWaitingAdmissionsTheNextIsRefusedAtOnce() {
        request("a1", new CompletableFuture<>());
        request("a2", new CompletableFuture<>());
        request("a3", new CompletableFuture<>());

        var refused = request("a4", new CompletableFuture<>());

        refused.assertFailedWith(OwnerBusyException.class, "2 uploads waiting for their turn");
        assertThat(started).containsExactly("a1");
    }

    @Test
    void anAdmissionWhoseRequestWentAwayWhileWaitingIsSkipped() {
        CompletableFuture<String> a1 = new CompletableFuture<>();
        request("a1", a1);
        var gone = request("a2", new CompletableFuture<>());
        CompletableFuture<String> a3 = new CompletableFuture<>();
        var third = request("a3", a3);

        gone.cancel();
        a1.complete("one");

        assertThat(started).containsExactly("a1", "a3");
        a3.complete("three");
        third.assertCompleted().assertItem("three");
    }

    @Test
    void aRequestThatWentAwayLeavesItsPlaceToALiveOne() {
        request("a1", new CompletableFuture<>());
        var gone = request("a2", new CompletableFuture<>());
        request("a3", new CompletableFuture<>());

        gone.cancel();
        var fourth = request("a4", new CompletableFuture<>());

        fourth.assertNotTerminated();
    }

    @Test
    void anAdmissionThatCannotEvenStartFailsItsRequestAndPassesTheTurn() {
        CompletableFuture<String> a1 = new CompletableFuture<>();
        request("a1", a1);
        var broken = turns.<String>run("a", () -> {
            throw new IllegalStateException("no session");
        }).subscribe().withSubscriber(UniAssertSubscriber.create());
        CompletableFuture<String> a3 = new CompletableFuture<>();
        var third = request("a3", a3);

        a1.complete("one");

        broken.assertFailedWith(IllegalStateException.class, "no session");
        assertThat(started).containsExactly("a1", "a3");
        a3.complete("three");
        third.assertCompleted().assertItem("three");
    }

    /**
     * As in the service: each admission comes on its request's Vert.x context, and one that waited starts on its own
     * context (where Hibernate Reactive finds its session), not on the context of the admission before it.
     */
    @Test
    void anAdmissionThatWaitedStartsOnItsOwnRequestsContext() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            Context first = vertx.getOrCreateContext();
            Context second = vertx.getOrCreateContext();
            CompletableFuture<String> a1 = new CompletableFuture<>();
            CompletableFuture<Void> firstStarted = new CompletableFuture<>();
            CompletableFuture<Void> secondQueued = new CompletableFuture<>();
            CompletableFuture<Context> startedOn = new CompletableFuture<>();
            CompletableFuture<String> answered = new CompletableFuture<>();
            first.runOnContext(ignored -> turns.run("a", () -> {
                firstStarted.complete(null);
                return Uni.createFrom().completionStage(a1);
            }).subscribe().with(item -> { }));
            firstStarted.get(10, TimeUnit.SECONDS);
            second.runOnContext(ignored -> {
                turns.run("a", () -> {
                    startedOn.complete(Vertx.currentContext());
                    return Uni.createFrom().item("two");
                }).subscribe().with(answered::complete, answered::completeExceptionally);
                secondQueued.complete(null); // subscribing queued it
            });
            secondQueued.get(10, TimeUnit.SECONDS);
            assertThat(startedOn).as("waits for the first").isNotDone();

            a1.complete("one"); // the first ends on another thread, as a transaction ends on its own event loop

            assertThat(startedOn.get(10, TimeUnit.SECONDS)).isSameAs(second);
            assertThat(answered.get(10, TimeUnit.SECONDS)).isEqualTo("two");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anAdmissionWhoseRequestGoesAwayWhileItRunsKeepsTheTurnUntilItEnds() {
        CompletableFuture<String> a1 = new CompletableFuture<>();
        var first = request("a1", a1);
        request("a2", new CompletableFuture<>());

        first.cancel();
        assertThat(started).as("its transaction still runs").containsExactly("a1");
        a1.complete("one");
        assertThat(started).containsExactly("a1", "a2");
    }
}
