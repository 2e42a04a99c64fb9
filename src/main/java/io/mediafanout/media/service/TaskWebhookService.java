package io.mediafanout.media.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.mediafanout.media.client.IttybitWebhooks;
import io.mediafanout.media.client.TaskWaiters;
import io.mediafanout.media.repository.TaskNotifications;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;

/**
 * Ittybit webhooks: a call to a webhook URL this service handed out wakes the branch waiting for that task, on
 * whichever replica it runs (through {@link TaskNotifications}; locally while the subscription is down). The body is
 * not trusted or needed: the woken branch reads the task from Ittybit.
 */
@ApplicationScoped
public class TaskWebhookService {

    private final IttybitWebhooks webhooks;
    private final TaskWaiters waiters;
    private final TaskNotifications notifications;
    private final Counter accepted;
    private final Counter rejected;

    public TaskWebhookService(IttybitWebhooks webhooks, TaskWaiters waiters, TaskNotifications notifications,
            MeterRegistry registry) {
        this.webhooks = webhooks;
        this.waiters = waiters;
        this.notifications = notifications;
        this.accepted = counter(registry, "accepted");
        this.rejected = counter(registry, "rejected");
    }

    void start(@Observes StartupEvent event) {
        if (webhooks.enabled()) {
            notifications.listen(waiters::wake);
        }
    }

    /** Handles a webhook call; emits false when the URL is not one this service handed out. */
    public Uni<Boolean> taskEnded(String taskKey, String token) {
        if (!webhooks.verify(taskKey, token)) {
            rejected.increment();
            return Uni.createFrom().item(false);
        }
        accepted.increment();
        if (!notifications.listening()) {
            waiters.wake(taskKey);
            return Uni.createFrom().item(true);
        }
        return notifications.publish(taskKey).replaceWith(true)
                .onFailure().recoverWithItem(failure -> {
                    waiters.wake(taskKey);
                    return true;
                });
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("ittybit.webhooks").description("Ittybit webhook calls, by outcome")
                .tag("outcome", outcome).register(registry);
    }
}
