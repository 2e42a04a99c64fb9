package io.mediafanout.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.platform.suite.api.SelectPackages;

import io.mediafanout.MediaFeatureSuite;
import io.mediafanout.PlatformSuite;

/** Surefire runs only the suites (see the pom): a test class outside their packages would never run. */
class SuitesTests {

    @Test
    void everyTestClassIsInExactlyOneSuite() throws IOException {
        List<String> packages = Stream.of(PlatformSuite.class, MediaFeatureSuite.class)
                .flatMap(suite -> Arrays.stream(suite.getAnnotation(SelectPackages.class).value())).toList();
        Path classes = Path.of("target", "test-classes");
        try (Stream<Path> files = Files.walk(classes)) {
            List<String> testClasses = files.map(f -> classes.relativize(f).toString())
                    .filter(f -> f.endsWith("Tests.class"))
                    .map(f -> f.substring(0, f.length() - ".class".length()).replace('/', '.')).toList();
            assertThat(testClasses).hasSizeGreaterThan(40).allSatisfy(name -> assertThat(packages)
                    .as(name).filteredOn(p -> name.startsWith(p + ".")).hasSize(1));
        }
    }
}
