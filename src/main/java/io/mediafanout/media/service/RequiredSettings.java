package io.mediafanout.media.service;

import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;

import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.service.callbacks.CallbackUrls;
import io.mediafanout.media.service.pipeline.BranchFlow;
import io.mediafanout.media.service.pipeline.FanoutFunction;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/**
 * The service refuses to start with settings it cannot work with, and names every such setting at once: whoever
 * deploys it fixes them in one go instead of one per failed start. Each rule lives with the settings it checks (the
 * {@code check} methods of {@link MediaConfig}'s groups, {@link OutputOptions} for the output defaults,
 * {@link BranchFlow} for the steps a run may take, {@link InngestEnvironment#settingProblems()} for the SDK's, the
 * {@link SettingsCheck} beans for the layers above, such as the media API's keys); this runs them first of the
 * start-up observers (before the schema migrations: a pod that cannot start changes nothing), with what they need:
 * the launch mode, the callback URL rules, and the Inngest mode (in production cloud mode the event key is required:
 * uploads, webhooks and the media events are sent with it). Each check names the first problem it finds.
 */
@Singleton
public class RequiredSettings {

    private final Instance<SettingsCheck> checks;

    RequiredSettings(Instance<SettingsCheck> checks) {
        this.checks = checks;
    }

    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start, MediaConfig config,
            InngestEnvironment inngest, CallbackUrls callbackUrls, OutputOptions outputs) {
        boolean production = LaunchMode.current() == LaunchMode.NORMAL;
        List<String> problems = new ArrayList<>(inngest.settingProblems());
        collect(problems, outputs::defaults); // built (and checked) now: a bad media.outputs.* setting stops the start
        collect(problems, () -> config.callbacks().check(url -> callbackUrls.parse(url, "MEDIA_CALLBACKS_DEFAULT_URL")));
        config.ittybit().checks(production).forEach(check -> collect(problems, check));
        collect(problems, () -> config.owners().check());
        collect(problems, () -> config.live().check());
        collect(problems, () -> BranchFlow.checkStepBudget(config.ittybit().poll().maxReads(),
                config.ittybit().rateLimit().maxWaits()));
        collect(problems, () -> BranchFlow.checkWaitsWithinTheKeysDay(config.ittybit().rateLimit().maxWait(),
                config.ittybit().rateLimit().maxWaits()));
        collect(problems, () -> FanoutFunction.throttle(config));
        collect(problems, () -> config.reconciler().check());
        // a bean whose settings are bad may fail as it is built: each is built inside its check
        checks.handles().forEach(check -> collect(problems, () -> check.get().check(production)));
        if (production && !inngest.isDev() && inngest.eventKey().isEmpty()) {
            problems.add("INNGEST_EVENT_KEY is not set: uploads, Ittybit webhooks and the media/ready, media/failed "
                    + "and media/cancelled events are sent to Inngest with it (or set INNGEST_DEV=1 locally)");
        }
        if (problems.size() == 1) {
            throw new IllegalStateException(problems.get(0));
        }
        if (!problems.isEmpty()) {
            StringBuilder message = new StringBuilder(problems.size() + " settings prevent the start:");
            for (int i = 0; i < problems.size(); i++) {
                message.append(' ').append(i + 1).append(") ").append(problems.get(i));
                message.append(i + 1 < problems.size() ? ";" : "");
            }
            throw new IllegalStateException(message.toString());
        }
    }

    /** Runs a check and keeps the problem it reports (its first), so that the others still run. */
    private static void collect(List<String> problems, Runnable check) {
        try {
            check.run();
        } catch (IllegalStateException problem) {
            problems.add(problem.getMessage());
        }
    }
}
