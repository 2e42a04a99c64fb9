package io.mediafanout.media.service.callbacks;

import java.time.Duration;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.MDC;

import io.mediafanout.inngest.Concurrency;
import io.mediafanout.inngest.FunctionContext;
import io.mediafanout.inngest.FunctionDefinition;
import io.mediafanout.inngest.Step;
import io.mediafanout.inngest.Trigger;
import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.media.service.RateLimitWaits;
import io.smallrye.mutiny.Uni;

/**
 * {@code media-callbacks}: each {@code media/ready}, {@code media/failed} and {@code media/cancelled} event becomes one
 * callback to the uploading app, delivered by the step {@code deliver} ({@link CallbackService}), which Inngest
 * retries with its backoff.
 */
@Singleton
public class CallbackFunction {

    /** Retries of a delivery: Inngest's backoff spreads them over about a day. */
    static final int RETRIES = 10;
    /**
     * Times a delivery waits as its receiver asks ({@code 429}, with or without {@code Retry-After}, or {@code 503} with
     * one: {@code IttybitClient.askedToWait}), in Inngest.
     */
    static final int RATE_LIMIT_WAITS = 10;
    /** The longest of those waits: a longer {@code Retry-After} is capped to it. */
    static final Duration LONGEST_RATE_LIMIT_WAIT = Duration.ofHours(1);

    private final CallbackService callbacks;
    private final double ownerShare;

    public CallbackFunction(CallbackService callbacks, MediaConfig config) {
        this.callbacks = callbacks;
        this.ownerShare = config.owners().callbacksShare();
    }

    @Produces
    @Singleton
    FunctionDefinition mediaCallbacks() {
        FunctionDefinition.Builder function = FunctionDefinition.builder("media-callbacks");
        MediaEvents.ANNOUNCED.keySet().forEach(event -> function.trigger(Trigger.event(event)));
        if (ownerShare > 0) {
            // one owner's slow receiver holds its owner's share of the deliveries, not everyone's
            function.concurrency(Concurrency.shareOfApp(ownerShare, MediaEvents.OWNER_KEY));
        }
        return function.retries(RETRIES)
                .handler(this::deliver)
                .build();
    }

    Uni<CallbackService.Delivery> deliver(FunctionContext run, Step step) {
        MDC.put("mediaId", run.event().data().path("mediaId").asText(""));
        return deliver(run, step, "deliver", 0);
    }

    /**
     * The delivery step {@code id}; when the receiver asked to come back later, Inngest sleeps as asked
     * ({@code deliver-rl<w>-wait}) and the delivery is tried again ({@code deliver-rl<w>}), up to
     * {@link #RATE_LIMIT_WAITS} times; past them such an answer is an Inngest retry after that wait.
     */
    private Uni<CallbackService.Delivery> deliver(FunctionContext run, Step step, String id, int waits) {
        return step.run(id, CallbackService.Delivery.class,
                () -> callbacks.deliver(run.event(), waits < RATE_LIMIT_WAITS))
                .chain(delivery -> !delivery.retryLater() ? Uni.createFrom().item(delivery)
                        : step.sleep("deliver-rl" + (waits + 1) + "-wait", RateLimitWaits.sleep(
                                Duration.ofMillis(delivery.retryAfterMs()), LONGEST_RATE_LIMIT_WAIT, run.runId(),
                                "deliver", waits + 1))
                                .chain(() -> deliver(run, step, "deliver-rl" + (waits + 1), waits + 1)));
    }
}
