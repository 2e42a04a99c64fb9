package io.mediafanout.testing;

import java.util.logging.Level;
import java.util.logging.Logger;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Test JVMs log at INFO until Quarkus configures logging (the integration tests' JVMs never boot it). Left alone, JBoss
 * LogManager lets every level through, and the JDK HTTP client of the fakes and emulators then formats each of its
 * debug messages, to be dropped after: a fifth of the benchmark driver's CPU samples, measured.
 */
public final class TestLogging implements LauncherSessionListener {

    /** Held: a logger's level lives as long as the logger. */
    private static final Logger ROOT = Logger.getLogger("");

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        atInfo();
    }

    /** The root logger at INFO unless it is set higher (also the benchmark driver's, a plain {@code main}). */
    public static void atInfo() {
        if (ROOT.getLevel() == null || ROOT.getLevel().intValue() < Level.INFO.intValue()) {
            ROOT.setLevel(Level.INFO);
        }
    }
}
