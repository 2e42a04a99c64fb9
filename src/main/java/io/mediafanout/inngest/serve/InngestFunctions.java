package io.mediafanout.inngest.serve;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.Cancellation;
import io.mediafanout.inngest.Concurrency;
import io.mediafanout.inngest.FunctionDefinition;
import io.mediafanout.inngest.FunctionHandler;
import io.mediafanout.inngest.FunctionSelection;
import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.inngest.Trigger;
import io.mediafanout.inngest.execution.TimeStrings;

/** Every function this app serves, by composite id, and their sync configuration. */
@Singleton
public class InngestFunctions {

    /** One served function: a user function or the onFailure handler generated for it. */
    public record Served(String compositeId, String name, List<Trigger> triggers, Optional<Integer> retries,
            List<Concurrency> concurrency, List<Cancellation> cancelOn, FunctionHandler handler) {
    }

    private final Map<String, Served> byId;

    /**
     * Every function gets the app-wide limit ({@link ServeLimits#declared()}) beside its own (Inngest takes at most
     * two): the calls of all of them share the pods' capacity.
     */
    public InngestFunctions(Instance<FunctionDefinition> definitions, Instance<FunctionSelection> selection,
            InngestEnvironment environment, ServeLimits limits) {
        Map<String, Served> served = new LinkedHashMap<>();
        String appId = environment.appId();
        Optional<FunctionSelection> chooser = selection.isResolvable() ? Optional.of(selection.get()) : Optional.empty();
        for (Instance.Handle<FunctionDefinition> handle : definitions.handles()) {
            if (chooser.isPresent() && !chooser.get().serves(handle.getBean().getBeanClass())) {
                continue;
            }
            FunctionDefinition fn = handle.get();
            String id = appId + "-" + fn.id();
            add(served, new Served(id, fn.name(), fn.triggers(), fn.retries(),
                    withAppLimit(id, fn.concurrency(), limits.declared()), fn.cancelOn(), fn.handler()));
            fn.onFailure().ifPresent(handler -> add(served, new Served(id + "-failure", fn.name() + " (failure)",
                    List.of(Trigger.event(FunctionDefinition.FAILURE_EVENT, "event.data.function_id == '" + id + "'")),
                    Optional.of(fn.onFailureRetries()), withAppLimit(id + "-failure", List.of(), limits.declared()), List.of(), handler)));
        }
        this.byId = Collections.unmodifiableMap(served);
    }

    private static List<Concurrency> withAppLimit(String id, List<Concurrency> own, Optional<Concurrency> app) {
        if (app.isEmpty()) {
            return own;
        }
        if (own.size() >= 2) {
            io.quarkus.logging.Log.warnf("Function %s declares two concurrency limits already: the app-wide limit "
                    + "is not declared for it", id);
            return own;
        }
        List<Concurrency> all = new java.util.ArrayList<>(own);
        all.add(app.get());
        return List.copyOf(all);
    }

    private static void add(Map<String, Served> served, Served fn) {
        if (served.putIfAbsent(fn.compositeId(), fn) != null) {
            throw new IllegalStateException("two Inngest functions have the id " + fn.compositeId());
        }
    }

    public Optional<Served> find(String compositeId) {
        return Optional.ofNullable(compositeId).map(byId::get);
    }

    public int count() {
        return byId.size();
    }

    /** The {@code functions} array of a sync request, every step URL pointing at {@code serveUrl}. */
    public ArrayNode configs(ObjectMapper json, String serveUrl) {
        ArrayNode array = json.createArrayNode();
        for (Served fn : byId.values()) {
            ObjectNode config = array.addObject();
            config.put("id", fn.compositeId());
            config.put("name", fn.name());
            ArrayNode triggers = config.putArray("triggers");
            for (Trigger t : fn.triggers()) {
                ObjectNode trigger = triggers.addObject().put("event", t.event());
                t.expression().ifPresent(e -> trigger.put("expression", e));
            }
            ObjectNode step = config.putObject("steps").putObject("step");
            step.put("id", "step").put("name", "step");
            step.putObject("runtime").put("type", "http").put("url", stepUrl(serveUrl, fn.compositeId()));
            fn.retries().ifPresent(r -> step.putObject("retries").put("attempts", r));
            if (!fn.concurrency().isEmpty()) {
                ArrayNode limits = config.putArray("concurrency");
                for (Concurrency c : fn.concurrency()) {
                    ObjectNode limit = limits.addObject().put("limit", c.limit());
                    c.key().ifPresent(k -> limit.put("key", k));
                    c.scope().ifPresent(s -> limit.put("scope", s));
                }
            }
            if (!fn.cancelOn().isEmpty()) {
                ArrayNode cancel = config.putArray("cancel");
                for (Cancellation c : fn.cancelOn()) {
                    ObjectNode entry = cancel.addObject().put("event", c.event());
                    c.ifExpression().ifPresent(e -> entry.put("if", e));
                    c.timeout().ifPresent(t -> entry.put("timeout", TimeStrings.duration(t)));
                }
            }
        }
        return array;
    }

    private static String stepUrl(String serveUrl, String compositeId) {
        String separator = serveUrl.contains("?") ? "&" : "?";
        return serveUrl + separator + "fnId=" + java.net.URLEncoder.encode(compositeId, java.nio.charset.StandardCharsets.UTF_8)
                + "&stepId=step";
    }
}
