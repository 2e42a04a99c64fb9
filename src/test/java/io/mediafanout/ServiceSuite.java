package io.mediafanout;

import org.junit.platform.suite.api.ExcludeClassNamePatterns;
import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * The service in the default and the production-like test profiles: the media feature's tests (but those of
 * {@link SettingsSuite} and {@link SdkSuite#CLASSES}), its behaviour under hostile input and failing dependencies, the
 * deployment files. One of surefire's three JVMs (see {@link SdkSuite}). The in-progress cap's profile moved from here
 * to {@link SdkSuite} on 2026-12-07, when this suite ended 40 s after that one (it had come here from
 * {@link SettingsSuite} the day before, for the opposite reason: the balance follows what the suites hold).
 */
@Suite
@SelectPackages({ "io.mediafanout.media", "io.mediafanout.reliability", "io.mediafanout.deploy" })
@IncludeClassNamePatterns(".*Tests")
@ExcludeClassNamePatterns({ SettingsSuite.CLASSES, SdkSuite.CLASSES })
public class ServiceSuite {
}
