package io.mediafanout.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The packaged jar ({@code target/quarkus-app/quarkus-run.jar}, production profile) as real processes beside real
 * fakes, for the failsafe ITs: one fixture per test class, registered as a JUnit extension on a static field.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final PackagedApp app = PackagedApp.create().withFakes().devMode()
 *         .set("media.reconciler.every", "off").startBeforeAll();
 * ...
 * app.replica().media(id);             // the process started before all tests
 * Replica other = app.launch().set("k", "v").start();   // one more, ready
 * </pre>
 *
 * Before all tests of the class (skipped when the jar is not built) it makes a new database on the PostgreSQL server
 * the test JVM shares ({@link PostgresTestResource}: embedded unless {@code TEST_PG_ADMIN_URL} names one), resets the
 * fake Inngest API to its default answers, and starts the processes asked for with {@link #startBeforeAll(int)}
 * (launched together, then awaited ready). Every process gets the database settings, the fixture's settings, then its
 * {@link Launch}'s own, and writes its output to {@code target/it-logs}. After all tests every process it started is
 * killed and the database dropped.
 */
public final class PackagedApp extends LaunchOptions<PackagedApp> implements BeforeAllCallback, AfterAllCallback {

    /** How long a start may take to be ready: generous, for a machine busy with other work. */
    public static final Duration READY_WITHIN = Duration.ofSeconds(90);
    static final Path LOGS = Path.of("target", "it-logs");

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private int replicasBeforeAll;
    private String name = "app";
    private PostgresTestResource server;
    private Map<String, String> database;
    private final List<Replica> replicas = new CopyOnWriteArrayList<>();
    private final List<Replica> startedBeforeAll = new ArrayList<>();

    private PackagedApp() {
    }

    /** A fixture with the database only; add {@link #withFakes()}, {@link #devMode()}, settings. */
    public static PackagedApp create() {
        return new PackagedApp();
    }

    /** Starts one process before all tests, shared by them. */
    public PackagedApp startBeforeAll() {
        return startBeforeAll(1);
    }

    /** Starts {@code count} replicas (each on a port of its own, one database) before all tests, shared by them. */
    public PackagedApp startBeforeAll(int count) {
        replicasBeforeAll = count;
        return this;
    }

    // ---------------------------------------------------------------------------------------------------------
    // JUnit

    @Override
    public void beforeAll(ExtensionContext context) {
        Assumptions.assumeTrue(AppProcess.jarExists(), "the JVM jar is built");
        name = context.getRequiredTestClass().getSimpleName();
        server = context.getRoot().getStore(ExtensionContext.Namespace.create(PackagedApp.class))
                .computeIfAbsent(SharedServer.class, k -> new SharedServer(), SharedServer.class).postgres;
        database = server.newDatabase();
        if (FakeInngestApi.server() != null) {
            FakeInngestApi.reset();
        }
        if (replicasBeforeAll > 0) {
            startedBeforeAll.addAll(launch().start(replicasBeforeAll));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        for (Replica replica : replicas) {
            replica.process.destroyForcibly();
        }
        for (Replica replica : replicas) {
            replica.process.waitFor(30, TimeUnit.SECONDS);
        }
        if (database != null) {
            server.dropDatabase(database);
        }
    }

    /** The PostgreSQL server of the test JVM, stopped when every test class has run. */
    private static final class SharedServer implements AutoCloseable {
        final PostgresTestResource postgres = new PostgresTestResource();

        SharedServer() {
            postgres.start();
        }

        @Override
        public void close() {
            postgres.stop();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // processes

    /** The (first) process started before all tests. */
    public Replica replica() {
        return replica(0);
    }

    public Replica replica(int index) {
        return startedBeforeAll.get(index);
    }

    /** The processes started before all tests. */
    public List<Replica> replicas() {
        return List.copyOf(startedBeforeAll);
    }

    /** One more process, with the fixture's settings: add its own, then {@link Launch#start()} it. */
    public Launch launch() {
        return new Launch();
    }

    /** One more process with the fixture's settings, ready. */
    public Replica start() {
        return launch().start();
    }

    /** One process to be: its port is chosen at once (settings may name it, e.g. a serve origin). */
    public final class Launch extends LaunchOptions<Launch> {
        private final int port;
        private Path log;

        private Launch() {
            this(FreePorts.next());
        }

        private Launch(int port) {
            this.port = port;
            copyFrom(PackagedApp.this);
        }

        public int port() {
            return port;
        }

        /** Where the process writes its output (appended); by default a file of its own in target/it-logs. */
        public Launch log(Path file) {
            log = file;
            return this;
        }

        /** Starts the process and returns at once (it may still be starting, or refusing to). */
        public Replica launch() {
            Map<String, String> all = new HashMap<>(database);
            all.putAll(settings);
            all.put("quarkus.http.port", Integer.toString(port));
            Replica replica = new Replica(all, Map.copyOf(environment), List.copyOf(jvmOptions), podMemoryMiB, port,
                    log != null ? log : newLog(port));
            replicas.add(replica);
            replica.launchProcess();
            return replica;
        }

        /** Starts the process and waits until it is ready. */
        public Replica start() {
            return launch().awaitReady();
        }

        /** Starts {@code count} processes with these settings, each on a port of its own, together; waits for all. */
        public List<Replica> start(int count) {
            List<Replica> started = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Launch one = i == 0 ? this : new Launch(FreePorts.next());
                if (i > 0) {
                    one.settings.clear();
                    one.environment.clear();
                    one.jvmOptions.clear();
                    one.copyFrom(this);
                }
                started.add(one.launch());
            }
            started.forEach(Replica::awaitReady);
            return started;
        }
    }

    private Path newLog(int port) {
        try {
            Files.createDirectories(LOGS);
            return Files.createTempFile(LOGS, name + "-" + port + "-", ".log").toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One process of the service on its port: its settings, its log, the process running now. It can be killed or
     * terminated and launched again on the same port with the same settings and log (a pod restarted).
     */
    public static final class Replica implements AutoCloseable {
        private final Map<String, String> settings;
        private final Map<String, String> environment;
        private final List<String> jvmOptions;
        private final int podMemoryMiB;
        private final int port;
        private final Path log;
        private volatile Process process;
        private volatile long launchedNanos;

        private Replica(Map<String, String> settings, Map<String, String> environment, List<String> jvmOptions,
                int podMemoryMiB, int port, Path log) {
            this.settings = settings;
            this.environment = environment;
            this.jvmOptions = jvmOptions;
            this.podMemoryMiB = podMemoryMiB;
            this.port = port;
            this.log = log;
        }

        private void launchProcess() {
            launchedNanos = System.nanoTime();
            try {
                process = podMemoryMiB > 0
                        ? AppProcess.launchAsPod(settings, environment, log, podMemoryMiB, jvmOptions)
                        : AppProcess.launch(settings, environment, log, jvmOptions);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public int port() {
            return port;
        }

        public Path log() {
            return log;
        }

        public Process process() {
            return process;
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        /** A setting the process was started with. */
        public String setting(String key) {
            return settings.get(key);
        }

        /** Waits (at most {@link #READY_WITHIN}) until {@code /q/health/ready} answers 200; fails if it exits. */
        public Replica awaitReady() {
            long deadline = System.nanoTime() + READY_WITHIN.toNanos();
            HttpRequest ready = HttpRequest.newBuilder(url("/q/health/ready")).timeout(Duration.ofSeconds(10)).build();
            while (true) {
                Process current = process;
                try {
                    // ready, and this process is the one listening (not another one holding the port it lost)
                    if (HTTP.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200
                            && current.isAlive() && listening()) {
                        return this;
                    }
                } catch (IOException notYet) {
                    // starting
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                if (!current.isAlive()) {
                    throw new AssertionError("the app on port " + port + " exited (" + current.exitValue()
                            + ") before it was ready; log " + log + ":\n" + tail());
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the app on port " + port + " was not ready within " + READY_WITHIN
                            + "; log " + log + ":\n" + tail());
                }
                sleep(50);
            }
        }

        /** Whether this process's log says it listens on its port (Quarkus' "Listening on: http://...:<port>"). */
        private boolean listening() {
            try {
                String text = java.nio.file.Files.readString(log);
                return text.contains("Listening on: http://0.0.0.0:" + port)
                        || text.contains("Listening on: http://127.0.0.1:" + port)
                        || text.contains("Listening on: http://localhost:" + port);
            } catch (IOException e) {
                return false;
            }
        }

        /** SIGKILL (no graceful shutdown); waits until the process is gone. */
        public void kill() {
            process.destroyForcibly();
            assertThat(waitFor(Duration.ofSeconds(30))).as("killed process exits; log " + log).isTrue();
        }

        /** SIGTERM, as Kubernetes sends on a rollout; returns how long the process took to exit (at most 60 s). */
        public Duration terminate() {
            long start = System.nanoTime();
            process.destroy();
            assertThat(waitFor(Duration.ofSeconds(60))).as("the process exits; log: " + log).isTrue();
            return Duration.ofNanos(System.nanoTime() - start);
        }

        /**
         * Waits for the process to exit on its own, at most until {@code within} after it was launched (however long
         * ago that was), and returns its exit value.
         */
        public int awaitExit(Duration within) {
            Duration left = within.minusNanos(System.nanoTime() - launchedNanos);
            assertThat(waitFor(left.isNegative() ? Duration.ZERO : left))
                    .as("the process exits within " + within + " of its launch; log: " + log).isTrue();
            return process.exitValue();
        }

        private boolean waitFor(Duration within) {
            try {
                return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Starts the process again (same port, settings and log) once the last one has exited; does not wait. */
        public Replica relaunch() {
            if (process.isAlive()) {
                throw new IllegalStateException("the app on port " + port + " is still running");
            }
            launchProcess();
            return this;
        }

        /**
         * Back from {@code outage} (begun before the process was stopped): started again, ready, then the outage ends
         * and the calls it held go on.
         */
        public Replica backFrom(ExecutorEmulator.Outage outage) {
            relaunch().awaitReady();
            outage.end();
            return this;
        }

        /** Killed, then started again and ready. */
        public Replica restart() {
            kill();
            return relaunch().awaitReady();
        }

        /** Everything the process (and those before it on this replica) wrote. */
        public String logText() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The log's lines that contain {@code text}, for failure messages. */
        public String logAbout(String text) {
            try {
                return "log " + log + ":\n" + Files.readAllLines(log).stream().filter(l -> l.contains(text))
                        .collect(Collectors.joining("\n"));
            } catch (IOException e) {
                return "log " + log + " unreadable: " + e;
            }
        }

        private String tail() {
            List<String> lines = logText().lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        }

        // -----------------------------------------------------------------------------------------------------
        // HTTP

        public URI url(String pathAndQuery) {
            return URI.create("http://127.0.0.1:" + port + pathAndQuery);
        }

        /** The Inngest serve endpoint. */
        public URI serveUrl() {
            return url("/api/inngest");
        }

        /** A request to this process (HTTP/1.1, a 30 s timeout), to add a method, headers and a body to. */
        public HttpRequest.Builder request(String pathAndQuery) {
            return HttpRequest.newBuilder(url(pathAndQuery)).timeout(Duration.ofSeconds(30));
        }

        public HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        /** {@code GET} with the test API key. */
        public HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
            return send(request(pathAndQuery).header("Authorization", TestApiKey.AUTHORIZATION));
        }

        /** {@code POST} of a JSON body with the test API key. */
        public HttpResponse<String> post(String pathAndQuery, String json) throws IOException, InterruptedException {
            return send(request(pathAndQuery).header("Authorization", TestApiKey.AUTHORIZATION)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
        }

        /** {@code GET /media/{id}} with the test API key. */
        public HttpResponse<String> media(String mediaId) throws IOException, InterruptedException {
            return get("/media/" + mediaId);
        }

        /** Kills the process now (the fixture kills every process after all tests anyway). */
        @Override
        public void close() {
            process.destroyForcibly();
            waitFor(Duration.ofSeconds(30));
        }

        @Override
        public String toString() {
            return "app on port " + port + " (log " + log + ")";
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // the database

    /** The settings of the class's database. */
    public Map<String, String> database() {
        return Map.copyOf(database);
    }

    /** Another new, empty database on the same server (dropped with the server, not after the class). */
    public Map<String, String> newDatabase() {
        return server.newDatabase();
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(database.get("quarkus.datasource.jdbc.url"),
                database.get("quarkus.datasource.username"), database.getOrDefault("quarkus.datasource.password", ""));
    }

    /** The rows of a query, each column as text (null as null). */
    public List<List<String>> rows(String sql, Object... parameters) throws SQLException {
        try (Connection c = connect(); PreparedStatement select = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                select.setObject(i + 1, parameters[i]);
            }
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet result = select.executeQuery()) {
                int columns = result.getMetaData().getColumnCount();
                while (result.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= columns; i++) {
                        row.add(result.getString(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    /** Runs an insert, update or delete; returns how many rows it touched. */
    public int update(String sql, Object... parameters) throws SQLException {
        try (Connection c = connect(); PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            return statement.executeUpdate();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // waiting

    /** Polls {@code condition} every 50 ms until it holds; fails after {@code within}, saying {@code what}. */
    public static void await(String what, Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + within + " waiting until " + what);
            }
            sleep(50);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
