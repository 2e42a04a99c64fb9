package io.mediafanout.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=media&password=media}. The embedded server keeps its data
 * directory and port, so a test can restart it for real ({@link #stopServer}, {@link #startAgain}).
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    /** The embedded server of the running application, for restarts; null with an external server. */
    private static volatile PostgresTestResource current;

    private volatile EmbeddedPostgres embedded;
    private Path dataDirectory;
    private int port;
    private String adminUrl;
    private String database;
    private String hostPort;
    private String user;
    private String password;

    /** Whether {@link #stopServer} can stop the server the application uses (embedded, not external). */
    public static boolean restartable() {
        return current != null;
    }

    /**
     * Stops the PostgreSQL server the way a restart does (a fast shutdown: sessions are terminated, the server
     * process exits); {@link #startAgain} brings it back on the same port with the same data.
     */
    public static void stopServer() {
        PostgresTestResource resource = embeddedResource();
        synchronized (resource) {
            try {
                resource.embedded.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Starts the server stopped by {@link #stopServer} again: same port, same data directory. */
    public static void startAgain() {
        PostgresTestResource resource = embeddedResource();
        synchronized (resource) {
            try {
                resource.embedded = resource.startEmbedded();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static PostgresTestResource embeddedResource() {
        PostgresTestResource resource = current;
        if (resource == null) {
            throw new IllegalStateException("no embedded PostgreSQL to restart (TEST_PG_ADMIN_URL is set)");
        }
        return resource;
    }

    private EmbeddedPostgres startEmbedded() throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(dataDirectory).setCleanDataDirectory(false).setPort(port)
                .start();
    }

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
                dataDirectory = Files.createTempDirectory("media-test-pg");
                try (ServerSocket socket = new ServerSocket(0)) {
                    port = socket.getLocalPort();
                }
                embedded = startEmbedded();
                current = this;
                hostPort = "127.0.0.1:" + embedded.getPort();
                user = "postgres";
                password = "postgres";
                adminUrl = "jdbc:postgresql://" + hostPort + "/postgres?user=postgres";
            }
            this.hostPort = hostPort;
            this.user = user;
            this.password = password;
            database = createDatabase();
            return settings(database);
        } catch (Exception e) {
            throw new IllegalStateException("could not start a PostgreSQL for the tests", e);
        }
    }

    /** The settings of one more new, empty database on the same server (started by {@link #start()}). */
    public Map<String, String> newDatabase() {
        try {
            return settings(createDatabase());
        } catch (Exception e) {
            throw new IllegalStateException("could not create a database for the tests", e);
        }
    }

    /** Drops a database made by {@link #newDatabase()} (given by its settings), ending its sessions. */
    public void dropDatabase(Map<String, String> settings) {
        String url = settings.get("quarkus.datasource.jdbc.url");
        String name = url.substring(url.lastIndexOf('/') + 1);
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
            s.execute("drop database if exists " + name + " with (force)");
        } catch (Exception e) {
            throw new IllegalStateException("could not drop the test database " + name, e);
        }
    }

    private String createDatabase() throws Exception {
        String name = "media_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
            s.execute("create database " + name);
        }
        return name;
    }

    private Map<String, String> settings(String name) {
        return Map.of(
                "quarkus.datasource.username", user,
                "quarkus.datasource.password", password,
                "quarkus.datasource.reactive.url", "postgresql://" + hostPort + "/" + name,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://" + hostPort + "/" + name);
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (var paths = Files.walk(directory)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
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
                if (current == this) {
                    current = null;
                }
                synchronized (this) {
                    embedded.close();
                }
                deleteRecursively(dataDirectory);
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
