package io.mediafanout;

import org.junit.platform.suite.api.ExcludeClassNamePatterns;
import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * The Inngest SDK serving the reference apps' functions (but the tests of {@link SettingsSuite}), and the test tools.
 * <p>
 * Surefire runs the unit tests as three suites in three JVMs side by side ({@code SdkSuite}, {@link ServiceSuite},
 * {@link SettingsSuite}; see the pom). Quarkus keeps one application per test profile within one JUnit run, so each
 * JVM gets a whole suite (forks given single classes would start an application per class), and the suites split
 * the test profiles between them: each profile's application is built and started in one JVM only (building one takes
 * about 10 s of a JVM's time while three share two cores: with nine profiles, this suite's discovery took 89 s).
 * {@code SuitesTests} checks both: every test class in exactly one suite, no test profile in two. The split also
 * balances the three JVMs (the surefire log says when each suite ends): to rebalance, move all the classes of a
 * profile from one suite to another ({@link #CLASSES}).
 */
@Suite
@SelectPackages({ "io.mediafanout.inngest", "io.mediafanout.testing", "io.mediafanout.media" })
@IncludeClassNamePatterns({ "io\\.mediafanout\\.(inngest|testing)\\..*Tests", SdkSuite.CLASSES })
@ExcludeClassNamePatterns(SettingsSuite.CLASSES)
public class SdkSuite {
    /**
     * The media feature's tests this suite takes from {@link ServiceSuite} to balance the three JVMs (the in-progress
     * cap's profile: with it, the service's suite ended 40 s after this one); {@link ServiceSuite} excludes them.
     */
    static final String CLASSES = ".*\\.InProgressCapTests";
}
