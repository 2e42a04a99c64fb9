package io.mediafanout;

import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * What the media feature stands on: the Inngest SDK, the service's behaviour under hostile input and failing
 * dependencies, the deployment files and the test tools. Surefire runs this suite and {@link MediaFeatureSuite} in two
 * JVMs side by side (see the pom): Quarkus keeps one application per test profile within a JUnit run, so each
 * JVM gets one suite (two forks running single classes would start an application per class), and the two
 * suites share as few test profiles as possible, each profile costing an augmentation and a start per JVM.
 * {@code SuitesTests} checks that every test class is in one of them.
 */
@Suite
@SelectPackages({ "io.mediafanout.inngest", "io.mediafanout.reliability", "io.mediafanout.deploy",
        "io.mediafanout.testing" })
@IncludeClassNamePatterns(".*Tests")
public class PlatformSuite {
}
