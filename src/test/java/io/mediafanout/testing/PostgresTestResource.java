package io.mediafanout.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL for tests, with a fresh database for every run: an embedded server (zonky binaries, no Docker)
 * unless {@code TEST_PG_ADMIN_URL} points at a running server whose role may create databases, e.g.
 * {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=media&password=media}.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private EmbeddedPostgres embedded;
    private String adminUrl;
    private String database;

    @Override
    public Map<String, String> start() {
        try {
            String external = System.getenv("TEST_PG_ADMIN_URL");
            String user;
            String password;
            String hostPort;
            if (external != null && !external.isBlank()) {
                adminUrl = external;
                var uri = java.net.URI.create(external.substring("jdbc:".length()));
                hostPort = uri.getHost() + ":" + (uri.getPort() > 0 ? uri.getPort() : 5432);
                Map<String, String> params = parseQuery(uri.getQuery());
                user = params.getOrDefault("user", "postgres");
                password = params.getOrDefault("password", "");
            } else {
                embedded = EmbeddedPostgres.builder().start();
                hostPort = "127.0.0.1:" + embedded.getPort();
                user = "postgres";
                password = "postgres";
                adminUrl = "jdbc:postgresql://" + hostPort + "/postgres?user=postgres";
            }
            database = "media_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
                s.execute("create database " + database);
            }
            return Map.of(
                    "quarkus.datasource.username", user,
                    "quarkus.datasource.password", password,
                    "quarkus.datasource.reactive.url", "postgresql://" + hostPort + "/" + database,
                    "quarkus.datasource.jdbc.url", "jdbc:postgresql://" + hostPort + "/" + database);
        } catch (Exception e) {
            throw new IllegalStateException("could not start a PostgreSQL for the tests", e);
        }
    }

    private static Map<String, String> parseQuery(String query) {
        Map<String, String> params = new java.util.HashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
        }
        return params;
    }

    @Override
    public void stop() {
        try {
            if (embedded != null) {
                embedded.close();
            } else if (adminUrl != null && database != null) {
                try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
                    s.execute("drop database if exists " + database + " with (force)");
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the test PostgreSQL", e);
        }
    }
}
