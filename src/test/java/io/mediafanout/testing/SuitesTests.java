package io.mediafanout.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.platform.suite.api.ExcludeClassNamePatterns;
import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;

import io.mediafanout.SdkSuite;
import io.mediafanout.ServiceSuite;
import io.mediafanout.SettingsSuite;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Surefire runs only the suites (see the pom and {@link SdkSuite}): a test class in none of them would never run, one
 * in two would run twice, and a test profile in two suites would have its application built and started in two JVMs.
 * The suites' selection (packages, class name patterns) is applied here as JUnit applies it.
 */
class SuitesTests {

    static final List<Class<?>> SUITES = List.of(SdkSuite.class, ServiceSuite.class, SettingsSuite.class);

    @Test
    void everyTestClassIsInExactlyOneSuite() throws IOException {
        List<String> testClasses = testClasses();
        assertThat(testClasses).hasSizeGreaterThan(40).allSatisfy(name -> assertThat(SUITES)
                .as(name).filteredOn(suite -> selects(suite, name)).hasSize(1));
    }

    @Test
    void noTestProfileIsInTwoSuites() throws Exception {
        Map<String, Set<String>> suitesByProfile = new HashMap<>();
        for (String name : testClasses()) {
            Optional<String> profile = profile(Class.forName(name, false, SuitesTests.class.getClassLoader()));
            SUITES.stream().filter(suite -> selects(suite, name)).forEach(suite -> profile.ifPresent(
                    p -> suitesByProfile.computeIfAbsent(p, k -> new TreeSet<>()).add(suite.getSimpleName())));
        }
        assertThat(suitesByProfile).containsKey("default").hasSizeGreaterThan(10)
                .allSatisfy((profile, suites) -> assertThat(suites).as(profile).hasSize(1));
    }

    /** The test profile a Quarkus test class runs in ("default" without one), or none for a plain test class. */
    static Optional<String> profile(Class<?> testClass) {
        if (!testClass.isAnnotationPresent(QuarkusTest.class)) {
            return Optional.empty();
        }
        TestProfile profile = testClass.getAnnotation(TestProfile.class);
        return Optional.of(profile == null ? "default" : profile.value().getName());
    }

    /**
     * Whether JUnit's suite engine selects the class for the suite: in one of its packages, matching one of its
     * include patterns and none of its exclude patterns.
     */
    static boolean selects(Class<?> suite, String className) {
        boolean inPackage = Arrays.stream(suite.getAnnotation(SelectPackages.class).value())
                .anyMatch(p -> className.startsWith(p + "."));
        boolean included = Arrays.stream(suite.getAnnotation(IncludeClassNamePatterns.class).value())
                .anyMatch(className::matches);
        ExcludeClassNamePatterns exclude = suite.getAnnotation(ExcludeClassNamePatterns.class);
        boolean excluded = exclude != null && Arrays.stream(exclude.value()).anyMatch(className::matches);
        return inPackage && included && !excluded;
    }

    /** Every compiled {@code *Tests} class. */
    static List<String> testClasses() throws IOException {
        Path classes = Path.of("target", "test-classes");
        try (Stream<Path> files = Files.walk(classes)) {
            return files.map(f -> classes.relativize(f).toString()).filter(f -> f.endsWith("Tests.class"))
                    .map(f -> f.substring(0, f.length() - ".class".length()).replace('/', '.')).sorted().toList();
        }
    }
}
