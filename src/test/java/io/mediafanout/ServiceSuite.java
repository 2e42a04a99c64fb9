package io.mediafanout;

import org.junit.platform.suite.api.ExcludeClassNamePatterns;
import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * The service in the default and the production-like test profiles: the media feature's tests (but those of
 * {@link SettingsSuite}), its behaviour under hostile input and failing dependencies, the deployment files.
 * One of surefire's three JVMs (see {@link SdkSuite}).
 */
@Suite
@SelectPackages({ "io.mediafanout.media", "io.mediafanout.reliability", "io.mediafanout.deploy" })
@IncludeClassNamePatterns(".*Tests")
@ExcludeClassNamePatterns(SettingsSuite.CLASSES)
public class ServiceSuite {
}
