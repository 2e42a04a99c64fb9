package io.mediafanout.media.service.webhooks;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.inngest.InngestClient;
import io.mediafanout.media.client.IttybitWebhooks;
import io.mediafanout.media.service.MediaEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

/**
 * Ittybit webhooks: a call to a webhook URL this service handed out becomes the event {@value MediaEvents#TASK_ENDED}
 * {@code {key, taskId, status}}, which ends the wait of the branch that created the task (Inngest holds that wait;
 * any replica may receive the webhook). The event's id is derived from the task key, so repeated deliveries are one
 * event. The body is not trusted: the woken branch reads the task from Ittybit; its id and status are only copied
 * into the event for people reading it.
 */
@ApplicationScoped
public class TaskWebhookService {

    /** What a webhook call came to. */
    public enum Outcome {
        ACCEPTED, REJECTED, UNAVAILABLE
    }

    /** Within Ittybit's 5 s delivery timeout (API.md §3). */
    static final java.time.Duration ANSWER_WITHIN = java.time.Duration.ofSeconds(4);

    private final IttybitWebhooks webhooks;
    private final InngestClient inngest;
    private final Counter accepted;
    private final Counter rejected;
    private final Counter unavailable;

    public TaskWebhookService(IttybitWebhooks webhooks, InngestClient inngest, MeterRegistry registry) {
        this.webhooks = webhooks;
        this.inngest = inngest;
        this.accepted = counter(registry, "accepted");
        this.rejected = counter(registry, "rejected");
        this.unavailable = counter(registry, "unavailable");
    }

    /**
     * Handles a webhook call: {@code REJECTED} when the URL is not one this service handed out, {@code UNAVAILABLE}
     * when the event could not be sent (Ittybit retries the delivery).
     */
    public Uni<Outcome> taskEnded(String taskKey, String token, JsonNode body) {
        if (!webhooks.verify(taskKey, token)) {
            rejected.increment();
            return Uni.createFrom().item(Outcome.REJECTED);
        }
        JsonNode task = body != null && body.path("data").isObject() ? body.path("data") : body;
        return inngest.send(MediaEvents.taskEnded(taskKey, field(task, "id"), field(task, "status")))
                // Ittybit wants an answer within 5 s and delivers again otherwise: 503 rather than a late 200
                .ifNoItem().after(ANSWER_WITHIN).fail()
                .map(id -> {
                    accepted.increment();
                    return Outcome.ACCEPTED;
                })
                .onFailure().recoverWithItem(failure -> {
                    unavailable.increment();
                    return Outcome.UNAVAILABLE;
                });
    }

    /** A short printable string from the untrusted body, or null. */
    private static String field(JsonNode node, String name) {
        JsonNode value = node == null ? null : node.get(name);
        if (value == null || !value.isTextual()) {
            return null;
        }
        String text = value.asText();
        return text.length() <= 128 && text.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? text : null;
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("ittybit.webhooks").description("Ittybit webhook calls, by outcome")
                .tag("outcome", outcome).register(registry);
    }
}
