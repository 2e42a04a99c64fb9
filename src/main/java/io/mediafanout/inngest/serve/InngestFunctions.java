package io.mediafanout.inngest.serve;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mediafanout.inngest.Cancellation;
import io.mediafanout.inngest.Concurrency;
import io.mediafanout.inngest.FunctionDefinition;
import io.mediafanout.inngest.FunctionHandler;
import io.mediafanout.inngest.FunctionSelection;
import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.inngest.ParallelMode;
import io.mediafanout.inngest.Priority;
import io.mediafanout.inngest.Throttle;
import io.mediafanout.inngest.Trigger;
import io.mediafanout.inngest.execution.TimeStrings;

/** Every function this app serves, by composite id, and their sync configuration. */
@Singleton
public class InngestFunctions {

    /** One served function: a user function or the onFailure handler generated for it. */
    public record Served(String compositeId, String name, List<Trigger> triggers, Optional<Integer> retries,
            Optional<Throttle> throttle, List<Concurrency> concurrency, Optional<Priority> priority,
            List<Cancellation> cancelOn, FunctionHandler handler, ParallelMode parallelMode) {
    }

    private static final Logger LOG = Logger.getLogger(InngestFunctions.class);

    private final Map<String, Served> byId;

    /**
     * Every function gets the app-wide limit ({@link ServeLimits#declared()}) beside its own (Inngest takes at most
     * two): the calls of all of them share the pods' capacity.
     */
    @Inject
    public InngestFunctions(Instance<FunctionDefinition> definitions, Instance<FunctionSelection> selection,
            InngestEnvironment environment, ServeLimits limits) {
        Optional<FunctionSelection> chooser = selection.isResolvable() ? Optional.of(selection.get()) : Optional.empty();
        List<FunctionDefinition> chosen = new ArrayList<>();
        for (Instance.Handle<FunctionDefinition> handle : definitions.handles()) {
            if (chooser.isEmpty() || chooser.get().serves(handle.getBean().getBeanClass())) {
                chosen.add(handle.get());
            }
        }
        this.byId = served(environment.appId(), chosen, limits.declared());
    }

    /** The functions of app {@code appId}, {@code appLimit} being the app-wide limit declared beside their own. */
    public InngestFunctions(String appId, List<FunctionDefinition> definitions, Optional<Concurrency> appLimit) {
        this.byId = served(appId, definitions, appLimit);
    }

    private static Map<String, Served> served(String appId, List<FunctionDefinition> definitions,
            Optional<Concurrency> appLimit) {
        Map<String, Served> served = new LinkedHashMap<>();
        for (FunctionDefinition fn : definitions) {
            String id = appId + "-" + fn.id();
            add(served, new Served(id, fn.name(), fn.triggers(), fn.retries(), fn.throttle(),
                    withAppLimit(id, fn.concurrency(), appLimit), fn.priority(), fn.cancelOn(), fn.handler(),
                    fn.parallelMode()));
            fn.onFailure().ifPresent(handler -> add(served, new Served(id + "-failure", fn.name() + " (failure)",
                    List.of(Trigger.event(FunctionDefinition.FAILURE_EVENT, "event.data.function_id == '" + id + "'")),
                    Optional.of(fn.onFailureRetries()), Optional.empty(), withAppLimit(id + "-failure", List.of(), appLimit),
                    Optional.empty(), List.of(), handler, ParallelMode.WAIT)));
        }
        return Collections.unmodifiableMap(served);
    }

    /**
     * The function's own limits, {@link Concurrency#shareOfApp(double, String) shares} resolved against the app-wide
     * limit (and left out when there is none), then the app-wide limit when fewer than two remain.
     */
    static List<Concurrency> withAppLimit(String id, List<Concurrency> own, Optional<Concurrency> app) {
        List<Concurrency> all = new ArrayList<>();
        for (Concurrency c : own) {
            if (!c.isShare()) {
                all.add(c);
            } else if (app.isPresent()) {
                all.add(c.resolve(app.get().limit()));
            } else {
                LOG.warnf("Function %s: no app-wide concurrency limit is declared, so neither is its share %s of it "
                        + "(key %s)", id, c.share(), c.key().orElse(""));
            }
        }
        if (app.isPresent()) {
            if (all.size() >= 2) {
                LOG.warnf("Function %s declares two concurrency limits already: the app-wide limit is not declared "
                        + "for it", id);
            } else {
                all.add(app.get());
            }
        }
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

    /**
     * The {@code functions} array of a sync request, every step URL pointing at {@code serveUrl}, its keys in the
     * order of {@code inngest@4.24.0} ({@code id, name, triggers, steps, throttle, concurrency, priority, cancel}).
     * That SDK passes a throttle and a limit through in the user's key order: we write {@code limit, period, burst,
     * key} and {@code limit, scope, key}, as in transcript 80.
     */
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
            fn.throttle().ifPresent(t -> {
                ObjectNode throttle = config.putObject("throttle").put("limit", t.limit())
                        .put("period", TimeStrings.duration(t.period()));
                t.burst().ifPresent(b -> throttle.put("burst", b));
                t.key().ifPresent(k -> throttle.put("key", k));
            });
            if (!fn.concurrency().isEmpty()) {
                ArrayNode limits = config.putArray("concurrency");
                for (Concurrency c : fn.concurrency()) {
                    ObjectNode limit = limits.addObject().put("limit", c.limit());
                    c.scope().ifPresent(s -> limit.put("scope", s));
                    c.key().ifPresent(k -> limit.put("key", k));
                }
            }
            fn.priority().ifPresent(p -> config.putObject("priority").put("run", p.run()));
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
