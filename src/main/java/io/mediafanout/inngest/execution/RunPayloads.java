package io.mediafanout.inngest.execution;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.Event;
import io.mediafanout.inngest.serve.InngestHttp;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;

/** A run too large for the request ({@code use_api}): its events and steps, fetched from the Inngest API. */
@Singleton
public class RunPayloads {

    /** Fetching events and steps from the API failed; the message says how. */
    public static final class RunPayloadException extends RuntimeException {
        RunPayloadException(String message) {
            super(message, null, false, false);
        }
    }

    private final InngestHttp http;
    private final ObjectMapper json;

    public RunPayloads(InngestHttp http, ObjectMapper json) {
        this.http = http;
        this.json = json;
    }

    /** The request with its events and steps when it says {@code use_api}, else the request itself. */
    public Uni<RunRequest> complete(RunRequest run) {
        if (!run.useApi()) {
            return Uni.createFrom().item(run);
        }
        String base = "/v0/runs/" + URLEncoder.encode(run.runId(), StandardCharsets.UTF_8);
        Uni<InngestHttp.Reply> batch = http.api(HttpMethod.GET, base + "/batch", Map.of(), Map.of(), null);
        Uni<InngestHttp.Reply> actions = http.api(HttpMethod.GET, base + "/actions", Map.of(), Map.of(), null);
        return Uni.combine().all().unis(batch, actions).asTuple().map(replies -> {
            if (!replies.getItem1().ok() || !replies.getItem2().ok()) {
                throw new RunPayloadException("failed to fetch the run's data from the Inngest API (HTTP "
                        + replies.getItem1().status() + "/" + replies.getItem2().status() + ")");
            }
            try {
                List<Event> events = new ArrayList<>();
                for (JsonNode e : json.readTree(replies.getItem1().body())) {
                    events.add(RunRequest.toEvent(e, "batch[]"));
                }
                return run.withPayload(events, RunRequest.decodeSteps(json.readTree(replies.getItem2().body())));
            } catch (Exception e) {
                throw new RunPayloadException("the run's data fetched from the Inngest API is not valid");
            }
        });
    }
}
