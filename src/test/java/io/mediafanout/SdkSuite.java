package io.mediafanout;

import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * The Inngest SDK (in the reference apps' test profiles) and the test tools.
 * <p>
 * Surefire runs the unit tests as three suites in three JVMs side by side ({@code SdkSuite}, {@link ServiceSuite},
 * {@link MediaSettingsSuite}; see the pom). Quarkus keeps one application per test profile within one JUnit run, so
 * each JVM gets a whole suite (forks given single classes would start an application per class), and the suites
 * split the test profiles between them: each profile's application is built and started in one JVM only.
 * {@code SuitesTests} checks both: every test class in exactly one suite, no test profile in two.
 */
@Suite
@SelectPackages({ "io.mediafanout.inngest", "io.mediafanout.testing" })
@IncludeClassNamePatterns(".*Tests")
public class SdkSuite {
}
