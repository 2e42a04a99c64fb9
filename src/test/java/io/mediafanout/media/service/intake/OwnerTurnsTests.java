package io.mediafanout.media.service.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;

/**
 * {@link OwnerTurns}: one admission of an owner at a time, in the order they came, a bounded number waiting; other
 * owners never wait for it. Admissions here are futures the test completes, standing for transactions.
 */
class OwnerTurnsTests {

    private final OwnerTurns turns = new OwnerTurns(2);
    private final List<String> started = new CopyOnWriteArrayList<>();

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
        var first = admission("a1", a1).subscribe().withSubscriber(UniAssertSubscriber.create());
        var second = admission("a2", a2).subscribe().withSubscriber(UniAssertSubscriber.create());
        var third = admission("a3", a3).subscribe().withSubscriber(UniAssertSubscriber.create());
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
        admission("a1", new CompletableFuture<>()).subscribe().withSubscriber(UniAssertSubscriber.create());
        admission("a2", new CompletableFuture<>()).subscribe().withSubscriber(UniAssertSubscriber.create());
        CompletableFuture<String> b1 = new CompletableFuture<>();
        var other = admission("b1", b1).subscribe().withSubscriber(UniAssertSubscriber.create());

        assertThat(started).containsExactly("a1", "b1");
        b1.complete("b");
        other.assertCompleted().assertItem("b");
    }

    @Test
    void pastTheLimitOfWaitingAdmissionsTheNextIsRefusedAtOnce() {
        admission("a1", new CompletableFuture<>()).subscribe().withSubscriber(UniAssertSubscriber.create());
        admission("a2", new CompletableFuture<>()).subscribe().withSubscriber(UniAssertSubscriber.create());
        admission("a3", new CompletableFuture<>()).subscribe().withSubscriber(UniAssertSubscriber.create());

        var refused = admission("a4", new CompletableFuture<>()).subscribe()
                .withSubscriber(UniAssertSubscriber.create());

        refused.assertFailedWith(OwnerBusyException.class, "2 uploads waiting for their turn");
        assertThat(started).containsExactly("a1");
    }

    @Test
    void anAdmissionWhoseRequestWentAwayWhileWaitingIsSkipped() {
        CompletableFuture<String> a1 = new CompletableFuture<>();
        admission("a1", a1).subscribe().withSubscriber(UniAssertSubscriber.create());
        var gone = admission("a2", new CompletableFuture<>()).subscribe().withSubscriber(UniAssertSubscriber.create());
        CompletableFuture<String> a3 = new CompletableFuture<>();
        var third = admission("a3", a3).subscribe().withSubscriber(UniAssertSubscriber.create());

        gone.cancel();
        a1.complete("one");

        assertThat(started).containsExactly("a1", "a3");
        a3.complete("three");
        third.assertCompleted().assertItem("three");
    }

    @Test
    void anAdmissionWhoseRequestGoesAwayWhileItRunsKeepsTheTurnUntilItEnds() {
        CompletableFuture<String> a1 = new CompletableFuture<>();
        var first = admission("a1", a1).subscribe().withSubscriber(UniAssertSubscriber.create());
        admission("a2", new CompletableFuture<>()).subscribe().withSubscriber(UniAssertSubscriber.create());

        first.cancel();
        assertThat(started).as("its transaction still runs").containsExactly("a1");
        a1.complete("one");
        assertThat(started).containsExactly("a1", "a2");
    }
}
