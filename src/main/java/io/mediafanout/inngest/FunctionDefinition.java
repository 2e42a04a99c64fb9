package io.mediafanout.inngest;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A function served to Inngest. Declare one as a CDI bean (for example from a {@code @Produces} method) and the
 * serve endpoint registers it:
 *
 * <pre>{@code
 * FunctionDefinition.builder("resize-image")
 *         .trigger(Trigger.event("image/uploaded"))
 *         .retries(3)
 *         .handler((ctx, step) -> step.run("resize", Result.class, () -> resize(ctx.event())))
 *         .build();
 * }</pre>
 */
public final class FunctionDefinition {

    /** Event Inngest emits when a run fails for good; onFailure handlers are triggered by it. */
    public static final String FAILURE_EVENT = "inngest/function.failed";

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]*");

    private final String id;
    private final String name;
    private final List<Trigger> triggers;
    private final Optional<Integer> retries;
    private final List<Concurrency> concurrency;
    private final ParallelMode parallelMode;
    private final Optional<Throttle> throttle;
    private final Optional<Priority> priority;
    private final List<Cancellation> cancelOn;
    private final FunctionHandler handler;
    private final Optional<FunctionHandler> onFailure;
    private final int onFailureRetries;

    private FunctionDefinition(Builder b) {
        this.id = b.id;
        this.name = b.name == null ? b.id : b.name;
        this.triggers = List.copyOf(b.triggers);
        this.retries = Optional.ofNullable(b.retries);
        this.concurrency = List.copyOf(b.concurrency);
        this.parallelMode = b.parallelMode;
        this.throttle = Optional.ofNullable(b.throttle);
        this.priority = Optional.ofNullable(b.priority);
        this.cancelOn = List.copyOf(b.cancelOn);
        this.handler = Objects.requireNonNull(b.handler, "handler");
        this.onFailure = Optional.ofNullable(b.onFailure);
        this.onFailureRetries = b.onFailureRetries;
        if (triggers.isEmpty()) {
            throw new IllegalArgumentException("function " + id + " needs at least one trigger");
        }
        if (concurrency.size() > 2) {
            throw new IllegalArgumentException("function " + id + ": at most 2 concurrency limits");
        }
    }

    public static Builder builder(String id) {
        return new Builder(id);
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public List<Trigger> triggers() {
        return triggers;
    }

    public Optional<Integer> retries() {
        return retries;
    }

    public List<Concurrency> concurrency() {
        return concurrency;
    }

    /** When Inngest calls again after a parallel group: {@link ParallelMode#WAIT} unless set. */
    public ParallelMode parallelMode() {
        return parallelMode;
    }

    public Optional<Throttle> throttle() {
        return throttle;
    }

    public Optional<Priority> priority() {
        return priority;
    }

    public List<Cancellation> cancelOn() {
        return cancelOn;
    }

    public FunctionHandler handler() {
        return handler;
    }

    public Optional<FunctionHandler> onFailure() {
        return onFailure;
    }

    /** Retries of the failure handler's steps: 1 unless {@link Builder#onFailure(FunctionHandler, int)} set them. */
    public int onFailureRetries() {
        return onFailureRetries;
    }

    public static final class Builder {
        private final String id;
        private String name;
        private final List<Trigger> triggers = new ArrayList<>();
        private Integer retries;
        private final List<Concurrency> concurrency = new ArrayList<>();
        private ParallelMode parallelMode = ParallelMode.WAIT;
        private Throttle throttle;
        private Priority priority;
        private final List<Cancellation> cancelOn = new ArrayList<>();
        private FunctionHandler handler;
        private FunctionHandler onFailure;
        private int onFailureRetries = 1;

        private Builder(String id) {
            if (id == null || !ID.matcher(id).matches()) {
                throw new IllegalArgumentException("function id must match [a-z0-9][a-z0-9-]*: " + id);
            }
            this.id = id;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder trigger(Trigger trigger) {
            triggers.add(Objects.requireNonNull(trigger));
            return this;
        }

        /** Retries per step (and per discovery call), 0–20; Inngest's default (4) when not set. */
        public Builder retries(int retries) {
            if (retries < 0 || retries > 20) {
                throw new IllegalArgumentException("retries must be between 0 and 20");
            }
            this.retries = retries;
            return this;
        }

        /** Adds a concurrency limit; at most 2 in all, the serve endpoint's app-wide limit among them when it fits. */
        public Builder concurrency(Concurrency limit) {
            concurrency.add(Objects.requireNonNull(limit));
            return this;
        }

        /** When Inngest calls again after a parallel group of this function's ops ({@link ParallelMode}). */
        public Builder parallelMode(ParallelMode mode) {
            this.parallelMode = Objects.requireNonNull(mode);
            return this;
        }

        /** Runs start at this pace at most (one throttle per function; a second call replaces the first). */
        public Builder throttle(Throttle throttle) {
            this.throttle = Objects.requireNonNull(throttle);
            return this;
        }

        /** Runs are ordered in Inngest's queue by this priority (see {@link Priority}). */
        public Builder priority(Priority priority) {
            this.priority = Objects.requireNonNull(priority);
            return this;
        }

        /** Runs are cancelled by this event (see {@link Cancellation}). */
        public Builder cancelOn(Cancellation cancellation) {
            cancelOn.add(Objects.requireNonNull(cancellation));
            return this;
        }

        public Builder handler(FunctionHandler handler) {
            this.handler = handler;
            return this;
        }

        /**
         * Runs once when a run of this function fails for good (registered as {@code <id>-failure}, triggered by
         * {@value #FAILURE_EVENT}); {@link FunctionContext#failure()} tells what failed.
         */
        public Builder onFailure(FunctionHandler onFailure) {
            this.onFailure = onFailure;
            return this;
        }

        /** {@link #onFailure(FunctionHandler)} with {@code retries} (0–20) instead of the TypeScript SDK's 1. */
        public Builder onFailure(FunctionHandler onFailure, int retries) {
            if (retries < 0 || retries > 20) {
                throw new IllegalArgumentException("retries must be between 0 and 20");
            }
            this.onFailure = onFailure;
            this.onFailureRetries = retries;
            return this;
        }

        public FunctionDefinition build() {
            return new FunctionDefinition(this);
        }
    }
}
