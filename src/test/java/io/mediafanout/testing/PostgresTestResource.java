package io.mediafanout.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 * {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=media&password=media}. The embedded server is started once
 * per JVM (an initdb costs seconds; a {@code create database} milliseconds) and shared by every start of this
 * resource, each of which gets its own new database, dropped again by {@link #stop()}; the server stops when the
 * JVM exits. It keeps its data directory and port, so a test can restart it for real ({@link #stopServer},
 * {@link #startAgain}).
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private String adminUrl;
    private String database;
    private String hostPort;
    private String user;
    private String password;

    /**
     * The embedded server: one per JVM, started by the first {@link #start()}. Each test profile loads the test
     * classes anew (a Quarkus class loader per profile), so this class is used as the system class loader loads it
     * ({@link #shared()}), and only through JDK types: its port and {@link Runnable}s.
     */
    public static final class Server {
        private static Map<String, Object> shared;

        private final Path dataDirectory;
        private final int port;
        private EmbeddedPostgres embedded;
        /** Stopped by {@link #stopServer} and not started again yet. */
        private boolean stopped;

        private Server() throws IOException {
            dataDirectory = Files.createTempDirectory("media-test-pg");
            port = FreePorts.next(); // bound again on each restart
            embedded = startEmbedded();
            Runtime.getRuntime().addShutdownHook(new Thread(this::close, "media-test-pg-stop"));
        }

        /** The server of the JVM, started on first use, and running: {@code port}, {@code stop}, {@code start-again}. */
        public static synchronized Map<String, Object> shared() throws IOException {
            if (shared == null) {
                Server server = new Server();
                shared = Map.of("port", server.port, "stop", unchecked(server::stop), "start-again",
                        unchecked(server::startAgain), "ensure-running", unchecked(server::ensureRunning));
            }
            ((Runnable) shared.get("ensure-running")).run();
            return shared;
        }

        /** The server of the JVM if one was started, else null. */
        public static synchronized Map<String, Object> existing() {
            return shared;
        }

        private interface IoAction {
            void run() throws IOException;
        }

        private static Runnable unchecked(IoAction action) {
            return () -> {
                try {
                    action.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
        }

        private EmbeddedPostgres startEmbedded() throws IOException {
            return EmbeddedPostgres.builder().setDataDirectory(dataDirectory).setCleanDataDirectory(false)
                    .setPort(port).start();
        }

        private synchronized void stop() throws IOException {
            embedded.close();
            stopped = true;
        }

        private synchronized void startAgain() throws IOException {
            embedded = startEmbedded();
            stopped = false;
        }

        /** Running again if a test stopped it and did not bring it back (it failed in between). */
        private synchronized void ensureRunning() throws IOException {
            if (stopped) {
                startAgain();
            }
        }

        /**
         * At JVM exit: stops the server and deletes its data directory. zonky's {@code close()} only logs a failed
         * {@code pg_ctl stop} (at exit, when logging may be shut down already), so the server process is checked, and
         * ended with signals if need be, before its directory goes: never a server left running without its data.
         */
        private synchronized void close() {
            try {
                if (!stopped) {
                    embedded.close();
                    stopped = true;
                }
                java.util.Optional<ProcessHandle> postmaster = postmaster();
                if (postmaster.isPresent() && !ended(postmaster.get(), false) && !ended(postmaster.get(), true)) {
                    return; // still running: its data stays
                }
                deleteRecursively(dataDirectory);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The server process named by {@code postmaster.pid}, if it is still alive. */
        private java.util.Optional<ProcessHandle> postmaster() throws IOException {
            Path pidFile = dataDirectory.resolve("postmaster.pid");
            try {
                String pid = Files.readAllLines(pidFile).get(0).trim();
                return ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive);
            } catch (java.nio.file.NoSuchFileException | IndexOutOfBoundsException | NumberFormatException gone) {
                return java.util.Optional.empty();
            }
        }

        /** Waits up to 5 s for the process to end, after asking it to (SIGTERM) or, {@code forcibly}, SIGKILL. */
        private static boolean ended(ProcessHandle process, boolean forcibly) {
            if (forcibly) {
                process.destroyForcibly();
            } else if (process.isAlive()) {
                process.destroy();
            }
            try {
                process.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
                return true;
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                return !process.isAlive();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !process.isAlive();
            }
        }
    }

    /** {@link Server#shared()} or {@link Server#existing()} of the one {@link Server} class of the JVM. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> server(String method) {
        Class<?> server;
        try {
            server = Class.forName(Server.class.getName(), true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException notOnTheSystemClassPath) {
            server = Server.class; // one class loader for everything (no Quarkus test profiles)
        }
        try {
            return (Map<String, Object>) server.getMethod(method).invoke(null);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean external() {
        String external = System.getenv("TEST_PG_ADMIN_URL");
        return external != null && !external.isBlank();
    }

    /** Whether {@link #stopServer} can stop the server the application uses (embedded, not external). */
    public static boolean restartable() {
        return !external() && server("existing") != null;
    }

    /**
     * Stops the PostgreSQL server the way a restart does (a fast shutdown: sessions are terminated, the server
     * process exits); {@link #startAgain} brings it back on the same port with the same data.
     */
    public static void stopServer() {
        ((Runnable) embeddedServer().get("stop")).run();
    }

    /** Starts the server stopped by {@link #stopServer} again: same port, same data directory. */
    public static void startAgain() {
        ((Runnable) embeddedServer().get("start-again")).run();
    }

    private static Map<String, Object> embeddedServer() {
        Map<String, Object> server = external() ? null : server("existing");
        if (server == null) {
            throw new IllegalStateException("no embedded PostgreSQL to restart (TEST_PG_ADMIN_URL is set)");
        }
        return server;
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
                hostPort = "127.0.0.1:" + server("shared").get("port");
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

    /**
     * Deletes the data directory of a stopped server. The server's last files (its {@code postmaster.pid}) may still
     * be going away as the walk meets them: a file already gone is skipped, and the walk is tried again (for up to
     * 2 s) when the directory still changed under it.
     */
    private static void deleteRecursively(Path directory) throws IOException {
        for (int attempt = 1;; attempt++) {
            try {
                if (Files.exists(directory)) {
                    Files.walkFileTree(directory, new java.nio.file.SimpleFileVisitor<>() {
                        @Override
                        public java.nio.file.FileVisitResult visitFile(Path file,
                                java.nio.file.attribute.BasicFileAttributes attributes) throws IOException {
                            Files.deleteIfExists(file);
                            return java.nio.file.FileVisitResult.CONTINUE;
                        }

                        @Override
                        public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                            if (e instanceof java.nio.file.NoSuchFileException) {
                                return java.nio.file.FileVisitResult.CONTINUE;
                            }
                            throw e;
                        }

                        @Override
                        public java.nio.file.FileVisitResult postVisitDirectory(Path dir, IOException e)
                                throws IOException {
                            if (e != null && !(e instanceof java.nio.file.NoSuchFileException)) {
                                throw e;
                            }
                            Files.deleteIfExists(dir);
                            return java.nio.file.FileVisitResult.CONTINUE;
                        }
                    });
                }
                return;
            } catch (IOException stillChanging) {
                if (attempt == 20) {
                    throw stillChanging;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw stillChanging;
                }
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

    /** Drops this resource's database (its server, when embedded, stays up for the next start in this JVM). */
    @Override
    public void stop() {
        if (adminUrl == null || database == null) {
            return;
        }
        try {
            if (!external()) {
                server("shared"); // running again, should a test have stopped it
            }
            try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
                s.execute("drop database if exists " + database + " with (force)");
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not drop the test database " + database, e);
        }
    }
}
