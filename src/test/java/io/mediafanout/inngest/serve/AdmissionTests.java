package io.mediafanout.inngest.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** Admission bounds calls and body bytes per process, queues the rest in order, and refuses only past the queue. */
class AdmissionTests {

    /** Records the permits granted, in order. */
    private static final class Calls {
        final List<String> admitted = new ArrayList<>();
        final List<Admission.Permit> permits = new ArrayList<>();

        Admission.Waiter waiter(String name) {
            return permit -> {
                admitted.add(name);
                permits.add(permit);
            };
        }
    }

    @Test
    void callsPastTheLimitWaitAndAreAdmittedInOrderAsOthersEnd() {
        Admission admission = new Admission(2, 1_000, 10);
        Calls calls = new Calls();
        for (String name : List.of("a", "b", "c", "d")) {
            assertThat(admission.admit(10, calls.waiter(name))).isNotNull();
        }
        assertThat(calls.admitted).containsExactly("a", "b");
        assertThat(admission.queued()).isEqualTo(2);

        calls.permits.get(1).release();
        assertThat(calls.admitted).containsExactly("a", "b", "c");
        calls.permits.get(0).release();
        assertThat(calls.admitted).containsExactly("a", "b", "c", "d");
        assertThat(admission.calls()).isEqualTo(2);
        assertThat(admission.queued()).isZero();
    }

    @Test
    void bodyBytesAreBoundedButALargeBodyRunsAloneAndIsNotOvertaken() {
        Admission admission = new Admission(10, 100, 10);
        Calls calls = new Calls();
        admission.admit(60, calls.waiter("small"));
        admission.admit(500, calls.waiter("large"));
        admission.admit(10, calls.waiter("tiny"));
        assertThat(calls.admitted).as("the large body waits, and the tiny one behind it too").containsExactly("small");
        assertThat(admission.bytes()).isEqualTo(60);

        calls.permits.get(0).release();
        assertThat(calls.admitted).as("alone, the large body runs").containsExactly("small", "large");
        assertThat(admission.bytes()).isEqualTo(500);
        calls.permits.get(1).release();
        assertThat(calls.admitted).containsExactly("small", "large", "tiny");
        assertThat(admission.bytes()).isEqualTo(10);
    }

    @Test
    void aFullQueueRefusesAndACancelledWaiterIsNeverAdmitted() {
        Admission admission = new Admission(1, 1_000, 1);
        Calls calls = new Calls();
        admission.admit(1, calls.waiter("running"));
        Admission.Entry waiting = admission.admit(1, calls.waiter("waiting"));
        assertThat(admission.admit(1, calls.waiter("refused"))).isNull();
        assertThat(admission.refused()).isEqualTo(1);

        assertThat(waiting.cancel()).isTrue();
        assertThat(waiting.cancel()).as("only once").isFalse();
        calls.permits.get(0).release();
        assertThat(calls.admitted).containsExactly("running");
        assertThat(admission.calls()).isZero();
        assertThat(admission.queued()).isZero();
    }

    @Test
    void aPermitReleasedTwiceFreesItsShareOnce() {
        Admission admission = new Admission(1, 1_000, 5);
        Calls calls = new Calls();
        admission.admit(100, calls.waiter("a"));
        calls.permits.get(0).release();
        calls.permits.get(0).release();
        assertThat(admission.calls()).isZero();
        assertThat(admission.bytes()).isZero();
        admission.admit(1, calls.waiter("b"));
        admission.admit(1, calls.waiter("c"));
        assertThat(calls.admitted).containsExactly("a", "b");
    }

    @Test
    void underConcurrentUseTheLimitsHoldAndEveryCallIsAdmittedOnce() throws Exception {
        Admission admission = new Admission(3, 1_000, 10_000);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        int total = 5_000;
        CountDownLatch done = new CountDownLatch(total);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < total; i++) {
                pool.execute(() -> admission.admit(100, permit -> pool.execute(() -> {
                    int now = running.incrementAndGet();
                    peak.accumulateAndGet(now, Math::max);
                    admitted.incrementAndGet();
                    running.decrementAndGet();
                    permit.release();
                    done.countDown();
                })));
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdownNow();
        }
        assertThat(admitted.get()).isEqualTo(total);
        assertThat(peak.get()).isLessThanOrEqualTo(3);
        assertThat(admission.calls()).isZero();
        assertThat(admission.bytes()).isZero();
        assertThat(admission.queued()).isZero();
    }

    @Test
    void defaultsAreSizedFromTheHeap() {
        assertThat(ServeLimits.defaultCalls(64L << 20)).isEqualTo(32);
        assertThat(ServeLimits.defaultCalls(8L << 20)).isEqualTo(4);
        assertThat(ServeLimits.defaultCalls(4L << 30)).isEqualTo(256);
    }
}
