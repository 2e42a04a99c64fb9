package io.mediafanout.inngest;

/**
 * When Inngest calls a function again after an answer that reported several ops at once (a parallel group).
 * <ul>
 * <li>{@link #WAIT} (Inngest's default): once every op of the group has ended, waits and sleeps included, as
 * {@code Promise.all} needs: a group of steps that belong together.
 * <li>{@link #RACE}: each time one of them ends ({@code opts.parallelMode: "race"} on every op, as the TypeScript SDK's
 * {@code group.parallel({ mode: "race" })} writes it): branches that go on independently, where one branch's long
 * wait must not hold the others (Inngest's executor, {@code shouldEnqueueDiscovery}; its test
 * {@code TestParallelDisabledOptimization} counts 4 calls for a group of five ops waited for, 8 in race mode).
 * </ul>
 */
public enum ParallelMode {
    WAIT,
    RACE;

    /** The {@code opts} key and value Inngest reads on an op. */
    public static final String OPTS_KEY = "parallelMode";
    static final String RACE_VALUE = "race";

    public String optsValue() {
        return this == RACE ? RACE_VALUE : null;
    }
}
