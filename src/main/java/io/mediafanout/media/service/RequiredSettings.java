package io.mediafanout.media.service;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.service.callbacks.CallbackUrls;
import io.mediafanout.media.service.pipeline.BranchFlow;
import io.mediafanout.media.service.pipeline.FanoutFunction;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/**
 * The service refuses to start with settings it cannot work with. Each rule lives with the settings it checks (the
 * {@code check} methods of {@link MediaConfig}'s groups, {@link OutputOptions} for the output defaults,
 * {@link BranchFlow} for the steps a run may take); this runs
 * them at start, with what they need: the launch mode, the callback URL rules, and the Inngest mode (in production
 * cloud mode the event key is required: uploads, webhooks and the media events are sent with it).
 */
@Singleton
public class RequiredSettings {

    void check(@Observes StartupEvent start, MediaConfig config, InngestEnvironment inngest, CallbackUrls callbackUrls,
            OutputOptions outputs) {
        boolean production = LaunchMode.current() == LaunchMode.NORMAL;
        outputs.defaults(); // built (and checked) now: a bad media.outputs.* setting stops the start
        config.callbacks().check(url -> callbackUrls.parse(url, "MEDIA_CALLBACKS_DEFAULT_URL"));
        config.ittybit().check(production);
        config.owners().check();
        config.live().check();
        BranchFlow.checkStepBudget(config.ittybit().poll().maxReads(), config.ittybit().rateLimit().maxWaits());
        FanoutFunction.throttle(config);
        if (production && !inngest.isDev() && inngest.eventKey().isEmpty()) {
            throw new IllegalStateException("INNGEST_EVENT_KEY is not set: uploads, Ittybit webhooks and the "
                    + "media/ready, media/failed and media/cancelled events are sent to Inngest with it (or set INNGEST_DEV=1 locally)");
        }
    }
}
