package io.mediafanout;

import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/** The media feature's tests: surefire's second JVM, beside {@link PlatformSuite}. */
@Suite
@SelectPackages("io.mediafanout.media")
@IncludeClassNamePatterns(".*Tests")
public class MediaFeatureSuite {
}
