package io.mediafanout.media.service.callbacks;

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
        return step.run("deliver", CallbackService.Delivery.class,
                () -> callbacks.deliver(run.event()));
    }
}
