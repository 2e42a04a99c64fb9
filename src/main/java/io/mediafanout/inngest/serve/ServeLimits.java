package io.mediafanout.inngest.serve;

import java.time.Duration;
import java.util.Optional;

import jakarta.inject.Singleton;

import io.mediafanout.inngest.Concurrency;
import io.mediafanout.inngest.InngestConfig;
import io.mediafanout.inngest.InngestEnvironment;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;

/**
 * How much work one process takes from Inngest, sized from the heap the JVM got unless configured
 * ({@code inngest.admission.*}, {@code inngest.concurrency.*}; README "Sizing"):
 * <ul>
 * <li>calls executing at once: half the heap divided by {@link #HEAP_PER_CALL}, between 4 and 256 (32 on the 64 MiB
 * heap of a 256 MiB pod);</li>
 * <li>request body bytes held by those calls: an eighth of the heap (a body is held two or three times over while it
 * is verified and parsed);</li>
 * <li>the limit declared to Inngest: calls per process x the most replicas, shared by the app's functions (scope
 * {@code env}, a constant key), so that the excess of a burst waits in Inngest's queue, not in a pod;</li>
 * <li>the admission queue: the declared limit, so Inngest's own calls never find it full.</li>
 * </ul>
 * and the largest body of one call, {@code inngest.serve.max-body-size} (8 MiB unless configured).
 */
@Singleton
@Startup
public class ServeLimits {

    /**
     * Heap budget of one call in flight. Measured ({@code CallHeapCostTests}, bytes the server's threads allocate per
     * call, an upper bound of what a call holds at once): 31-44 KiB for the calls of a typical run, 2.3 MiB for the
     * final replay of a 900-step run (an 87 KiB body). 1 MiB per call leaves room for runs of a few hundred steps.
     */
    public static final long HEAP_PER_CALL = 1024 * 1024;

    private final Admission admission;
    private final Duration maxWait;
    private final Duration bodyTimeout;
    private final long maxBodySize;
    private final Optional<Concurrency> declared;

    @jakarta.inject.Inject
    public ServeLimits(InngestConfig config, InngestEnvironment environment, MeterRegistry registry) {
        this(config, environment.appId(), Runtime.getRuntime().maxMemory());
        Gauge.builder("inngest.admission.calls", admission, Admission::calls)
                .description("Calls from Inngest executing in this process").register(registry);
        Gauge.builder("inngest.admission.queued", admission, Admission::queued)
                .description("Calls from Inngest waiting for admission, their bodies unread").register(registry);
        Gauge.builder("inngest.admission.body.bytes", admission, Admission::bytes).baseUnit("bytes")
                .description("Request body bytes held by the calls executing").register(registry);
        FunctionCounter.builder("inngest.admission.refused", admission, Admission::refused)
                .description("Calls answered 503: the admission queue was full, or they waited too long").register(registry);
        Gauge.builder("inngest.admission.max.calls", admission, Admission::maxCalls)
                .description("Calls admitted at once at most").register(registry);
    }

    ServeLimits(InngestConfig config, String appId, long heap) {
        InngestConfig.AdmissionLimits limits = config.admission();
        int calls = limits.maxCalls().orElse(defaultCalls(heap));
        long bytes = limits.maxBodyBytes().orElse(Math.max(1024 * 1024, heap / 8));
        int declaredLimit = config.concurrency().limit().orElse(calls * Math.max(1, config.concurrency().replicas()));
        int queue = limits.queue().orElse(Math.max(calls, declaredLimit));
        this.admission = new Admission(calls, bytes, queue);
        this.maxWait = limits.maxWait();
        this.bodyTimeout = limits.bodyTimeout();
        this.maxBodySize = config.serve().maxBodySize().asLongValue();
        this.declared = declaredLimit > 0
                ? Optional.of(new Concurrency(declaredLimit, Optional.of("\"" + appId + "\""), Optional.of("env")))
                : Optional.empty();
        Log.infof("Serve limits: %d calls and %d KiB of bodies at once, %d queued for at most %s, bodies of %d KiB at "
                + "most; %s declared to Inngest (heap %d MiB)", calls, bytes / 1024, queue, maxWait, maxBodySize / 1024,
                declared.map(c -> c.limit() + " steps").orElse("no concurrency"), heap / (1024 * 1024));
    }

    public static int defaultCalls(long heap) {
        return (int) Math.max(4, Math.min(256, heap / 2 / HEAP_PER_CALL));
    }

    public Admission admission() {
        return admission;
    }

    public Duration maxWait() {
        return maxWait;
    }

    public Duration bodyTimeout() {
        return bodyTimeout;
    }

    /** The largest request body of one call, in bytes ({@code inngest.serve.max-body-size}). */
    public long maxBodySize() {
        return maxBodySize;
    }

    /** The app-wide limit declared at sync, when there is one. */
    public Optional<Concurrency> declared() {
        return declared;
    }
}
