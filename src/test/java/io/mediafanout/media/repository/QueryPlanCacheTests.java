package io.mediafanout.media.repository;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.hibernate.reactive.mutiny.Mutiny;
import org.junit.jupiter.api.Test;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;

/**
 * Hibernate keeps one plan per query it has run, in a bounded cache. Hibernate Reactive 3.2 stores a new plan for
 * every execution of a native select (typed or not: its key never equals the one stored), all under the query's
 * hash, so that each later lookup of it walks them all and the cache fills with copies. What the pipeline runs for
 * every upload and every branch (the owner's admission lock and count, a branch's start time) and the reconciler's
 * lock must reuse their plans: queries, or statements whose row count is the answer.
 */
@QuarkusTest
class QueryPlanCacheTests {

    private static final int RUNS = 25;

    @Inject
    MediaRepository media;

    @Inject
    BranchRepository branches;

    @Inject
    Mutiny.SessionFactory sessions;

    @Test
    void theQueriesRunForEveryUploadAndBranchReuseTheirPlans() throws Throwable {
        runEach(); // the first run of each stores its plan
        int before = cachedPlans();
        for (int i = 0; i < RUNS; i++) {
            runEach();
        }
        assertThat(cachedPlans() - before).as("plans added by %d more runs of the same queries", RUNS).isZero();
    }

    private void runEach() throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> media
                .lockOwnerAndCountProcessing("plan-cache-owner", "plan-cache-media")
                .chain(media::tryReconcilerLock)
                .chain(() -> branches.completed("plan-cache-media", "hls-package", "task_none", "https://cdn.example/none"))));
    }

    /** The plans in Hibernate's query interpretation cache now (no API shows them: the factory's own count). */
    private int cachedPlans() throws ReflectiveOperationException {
        Object factory = io.quarkus.arc.ClientProxy.unwrap(sessions);
        java.lang.reflect.Field delegate = factory.getClass().getDeclaredField("delegate");
        delegate.setAccessible(true);
        return ((org.hibernate.engine.spi.SessionFactoryImplementor) delegate.get(factory)).getQueryEngine()
                .getInterpretationCache().getNumberOfCachedQueryPlans();
    }
}
