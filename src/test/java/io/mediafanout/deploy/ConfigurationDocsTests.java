package io.mediafanout.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.BranchOption;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.ConfigMappingInterface;
import io.smallrye.config.ConfigMappings;
import io.smallrye.config.ConfigMappings.ConfigClass;

/**
 * {@code docs/configuration.md} stays true to the code: every setting the code reads is a row of it, with the code's
 * own default. The settings are read from the code itself: every {@code @ConfigMapping} interface under
 * {@code src/main/java} (through SmallRye's own view of it, defaults included), the {@link Branch} table's output
 * options, every {@code @ConfigProperty} and {@code @LookupIfProperty}, and every key and environment variable of
 * {@code application.properties}.
 */
class ConfigurationDocsTests {

    private static final Path DOC = Path.of("docs/configuration.md");
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path PROPERTIES = Path.of("src/main/resources/application.properties");
    /** A row: {@code | `property` | `ENV` | default | meaning |}. */
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| `([^`]+)` \\| ([^|]*) \\|", Pattern.MULTILINE);
    private static final Pattern MAPPING = Pattern.compile("@ConfigMapping\\(prefix = \"([^\"]+)\"\\)");
    private static final Pattern CONFIG_PROPERTY = Pattern.compile(
            "@ConfigProperty\\(name = \"([^\"]+)\"(?:, defaultValue = \"([^\"]*)\")?\\)");
    private static final Pattern LOOKUP_IF = Pattern.compile("@LookupIfProperty\\(name = (?:\\w+\\.)?(\\w+)");
    private static final Pattern CONSTANT = Pattern.compile("static final String (\\w+) = \"([^\"]+)\";");
    private static final Pattern ENV_PLACEHOLDER = Pattern.compile("\\$\\{([A-Z0-9_]+):([^}]*)}");
    /** Marks a setting without a default in the code. */
    private static final String NONE = "—";

    @Test
    void everySettingTheCodeReadsIsDocumentedWithTheCodesDefault() throws Exception {
        Map<String, String> documented = documented();
        Map<String, Optional<String>> read = readByTheCode();

        assertThat(read).as("settings found in the code").hasSizeGreaterThan(60);
        Map<String, String> missing = new TreeMap<>();
        Map<String, String> otherDefault = new TreeMap<>();
        read.forEach((name, codeDefault) -> {
            String expected = codeDefault.map(value -> "`" + value + "`").orElse(NONE);
            if (!documented.containsKey(name)) {
                missing.put(name, expected);
            } else if (codeDefault.isPresent() && !documented.get(name).equals(expected)) {
                otherDefault.put(name, "code " + expected + ", docs " + documented.get(name));
            }
        });
        assertThat(missing).as("settings the code reads that docs/configuration.md lacks (name=code default)")
                .isEmpty();
        assertThat(otherDefault).as("settings documented with another default than the code's").isEmpty();
    }

    @Test
    void everyEnvironmentVariableApplicationPropertiesMapsIsDocumented() throws Exception {
        String doc = Files.readString(DOC);
        Matcher env = ENV_PLACEHOLDER.matcher(Files.readString(PROPERTIES));
        while (env.find()) {
            assertThat(doc).as("docs/configuration.md names " + env.group(1)).contains("`" + env.group(1) + "`");
        }
    }

    @Test
    void everyDocumentedEnvironmentVariableFollowsTheNamingRule() throws Exception {
        Matcher row = ROW.matcher(Files.readString(DOC));
        while (row.find()) {
            String property = row.group(1);
            String rule = property.replace("<branch>", "<BRANCH>").replaceAll("[^A-Za-z0-9<>]", "_")
                    .toUpperCase(java.util.Locale.ROOT);
            assertThat(row.group(2)).as("the environment variable of " + property).isEqualTo(rule);
        }
    }

    /** Property → its default cell, as written ({@code `2`} or {@code —}). */
    private static Map<String, String> documented() throws IOException {
        Map<String, String> rows = new LinkedHashMap<>();
        Matcher row = ROW.matcher(Files.readString(DOC));
        while (row.find()) {
            rows.put(row.group(1), row.group(3).trim());
        }
        return rows;
    }

    /** Every setting the code reads, with its default (empty: none). Map keys of branch settings are {@code <branch>}. */
    private static Map<String, Optional<String>> readByTheCode() throws Exception {
        Map<String, Optional<String>> settings = new TreeMap<>();
        Map<String, String> constants = new LinkedHashMap<>();
        for (Path source : sources()) {
            Matcher constant = CONSTANT.matcher(Files.readString(source));
            while (constant.find()) {
                constants.putIfAbsent(constant.group(1), constant.group(2));
            }
        }
        for (Path source : sources()) {
            String text = Files.readString(source);
            Matcher mapping = MAPPING.matcher(text);
            if (mapping.find()) {
                mapped(className(source), mapping.group(1), settings);
            }
            Matcher property = CONFIG_PROPERTY.matcher(text);
            while (property.find()) {
                settings.put(property.group(1), Optional.ofNullable(property.group(2)));
            }
            Matcher lookup = LOOKUP_IF.matcher(text);
            while (lookup.find()) {
                assertThat(constants).as("the constant " + lookup.group(1) + " of " + source).containsKey(lookup.group(1));
                settings.putIfAbsent(constants.get(lookup.group(1)), Optional.empty());
            }
        }
        for (Branch branch : Branch.values()) {
            for (BranchOption option : branch.options()) {
                settings.put(branch.setting(option), Optional.ofNullable(option.defaultValue()));
            }
        }
        Properties shipped = new Properties();
        shipped.load(new StringReader(Files.readString(PROPERTIES)));
        for (String key : shipped.stringPropertyNames()) {
            if (key.startsWith("%")) {
                continue; // a dev or test profile's value: listed in the doc's own section
            }
            String value = shipped.getProperty(key);
            Matcher env = ENV_PLACEHOLDER.matcher(value);
            Optional<String> shippedDefault = env.matches() ? Optional.of(env.group(2)).filter(v -> !v.isEmpty())
                    : Optional.of(value);
            settings.put(key, shippedDefault.isPresent() ? shippedDefault : settings.getOrDefault(key, Optional.empty()));
        }
        return settings;
    }

    private static void mapped(String className, String prefix, Map<String, Optional<String>> into) throws Exception {
        Class<?> type = Class.forName(className);
        assertThat(type.isAnnotationPresent(ConfigMapping.class)).isTrue();
        Map<String, ConfigMappingInterface.Property> properties = ConfigMappings
                .getProperties(ConfigClass.configClass(type, prefix));
        properties.forEach((path, property) -> {
            if (path.startsWith("media.outputs.")) {
                return; // keyed by branch and option: the Branch table's options, above
            }
            String name = path.replace(".*.", ".<branch>.").replace("[*]", "");
            Optional<String> fallback = property.hasDefaultValue() ? Optional.of(property.getDefaultValue())
                    : Optional.empty();
            into.put(name, fallback);
        });
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    private static String className(Path source) {
        String relative = SOURCES.relativize(source).toString();
        return relative.substring(0, relative.length() - ".java".length()).replace('/', '.');
    }
}
