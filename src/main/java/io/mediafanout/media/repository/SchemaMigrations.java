package io.mediafanout.media.repository;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.interceptor.Interceptor;

import org.flywaydb.core.Flyway;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

/**
 * Brings the schema up to date at start, and cheaply when it already is. Flyway (its configuration, a JDBC
 * connection, a lock and a validation of every script) was the dearest part of a start: 0.4 s of 2 s with the JDK 25
 * AOT cache, 1.3 s on a plain JDK 17, and its classes stay loaded. It is needed only when this version ships a
 * migration the database has not applied, so one query on the reactive pool the service uses anyway decides: every
 * bundled version applied with success → nothing to do; otherwise (a new database, a new migration, a failed one)
 * Flyway migrates as {@code quarkus.flyway.migrate-at-start} would, validation included, before the HTTP server
 * opens. What the cheap path leaves out is Flyway's checksum check of scripts already applied: an edited migration is
 * reported the next time Flyway runs (the tests run it on a new database every build).
 */
@ApplicationScoped
public class SchemaMigrations {

    /** The versions in {@code src/main/resources/db/migration}; {@code SchemaMigrationsTests} keeps them in step. */
    static final List<String> BUNDLED = List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");

    /** Flyway's history table ({@code quarkus.flyway.table}, left at its default). */
    private static final String HISTORY = "flyway_schema_history";

    public enum Outcome {
        /** Every bundled migration was already applied: Flyway did not run. */
        CURRENT,
        /** Flyway ran and applied what was missing. */
        MIGRATED
    }

    private final Pool pool;
    private final Instance<Flyway> flyway;
    private volatile Outcome atStart;

    SchemaMigrations(Pool pool, Instance<Flyway> flyway) {
        this.pool = pool;
        this.flyway = flyway;
    }

    /**
     * First of the start-up observers but the settings checks (the application's at {@code PLATFORM_BEFORE}, the
     * Inngest SDK's at {@code PLATFORM_BEFORE + 1}: a pod refused for its settings changes no schema): nothing reads or
     * writes the database before the schema is current.
     */
    void atStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE + 2) StartupEvent start) {
        atStart = migrate();
    }

    /** What the start found: {@link Outcome#MIGRATED} on a new database, then {@link Outcome#CURRENT}. */
    public Outcome atStart() {
        return atStart;
    }

    /** Migrates the schema when a bundled version is missing (blocking: start-up thread only). */
    public Outcome migrate() {
        Set<String> applied = applied().await().atMost(Duration.ofSeconds(30));
        List<String> missing = BUNDLED.stream().filter(version -> !applied.contains(version)).toList();
        if (missing.isEmpty()) {
            Log.infof("Database schema is current (version %s): no migration to run", BUNDLED.get(BUNDLED.size() - 1));
            return Outcome.CURRENT;
        }
        Log.infof("Database schema lacks version(s) %s: migrating with Flyway", missing);
        flyway.get().migrate();
        return Outcome.MIGRATED;
    }

    /**
     * The versions Flyway recorded as applied with success; none when it never ran on this database. The table is
     * looked up first ({@code to_regclass}, on the same search path) so that a new database does not log an error.
     */
    private Uni<Set<String>> applied() {
        return pool.query("select to_regclass('" + HISTORY + "') is not null").execute()
                .flatMap(exists -> exists.iterator().next().getBoolean(0)
                        ? pool.query("select version from " + HISTORY + " where success and version is not null")
                                .execute().map(SchemaMigrations::versions)
                        : Uni.createFrom().item(Set.<String>of()));
    }

    private static Set<String> versions(Iterable<Row> rows) {
        Set<String> versions = new HashSet<>();
        for (Row row : rows) {
            versions.add(row.getString(0));
        }
        return versions;
    }
}
