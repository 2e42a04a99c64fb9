package io.mediafanout;

import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * Tests under settings of their own, each test profile an application of its own: the media API's callers, owners,
 * the production polling schedule and branch retries, webhooks and tracing; the SDK's key rotation, admission
 * limits and a missing signing key. One of surefire's three JVMs (see {@link SdkSuite}).
 */
@Suite
@SelectPackages({ "io.mediafanout.media", "io.mediafanout.inngest" })
@IncludeClassNamePatterns(SettingsSuite.CLASSES)
public class SettingsSuite {

    /** Its test classes, by name; {@link ServiceSuite} and {@link SdkSuite} exclude them. */
    static final String CLASSES = ".*\\.(ApiKeyTests|OidcTests|StreamTokenTests|OwnershipTests|BranchRetrySettingsTests"
            + "|DurableBranchScheduleTests|WebhookTests|TracingTests|KeyRotationTests|AdmissionRouteTests"
            + "|ServeBodyLimitTests|MissingSigningKeyTests)";
}
