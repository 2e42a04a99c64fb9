package io.mediafanout;

import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * The media feature's tests under settings of their own, each profile an application of its own: API callers,
 * owners, the production polling schedule and branch retries, webhooks and tracing. One of surefire's three JVMs
 * (see {@link SdkSuite}).
 */
@Suite
@SelectPackages("io.mediafanout.media")
@IncludeClassNamePatterns(MediaSettingsSuite.CLASSES)
public class MediaSettingsSuite {

    /** Its test classes, by name; {@link ServiceSuite} excludes them. */
    static final String CLASSES = ".*\\.(ApiKeyTests|OidcTests|OwnershipTests|BranchRetrySettingsTests"
            + "|DurableBranchScheduleTests|WebhookTests|TracingTests)";
}
