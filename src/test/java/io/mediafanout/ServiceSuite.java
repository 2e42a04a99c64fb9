package io.mediafanout;

import org.junit.platform.suite.api.ExcludeClassNamePatterns;
import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * The service in the default, the production-like and the small in-progress cap test profiles: the media feature's
 * tests (but those of {@link SettingsSuite}), its behaviour under hostile input and failing dependencies, the
 * deployment files. One of surefire's three JVMs (see {@link SdkSuite}); with its two profiles only, this suite started
 * its tests 50 s before the others and ended 35 s before them, so it took the in-progress cap's from
 * {@link SettingsSuite}.
 */
@Suite
@SelectPackages({ "io.mediafanout.media", "io.mediafanout.reliability", "io.mediafanout.deploy" })
@IncludeClassNamePatterns(".*Tests")
@ExcludeClassNamePatterns(SettingsSuite.CLASSES)
public class ServiceSuite {
}
