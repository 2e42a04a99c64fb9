package io.mediafanout.media.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * The schema at start: a new database is migrated by Flyway before anything reads it, and a database that already
 * holds every bundled version is left alone (no Flyway run, nothing written to its history).
 */
@QuarkusTest
class SchemaMigrationsTests {

    private static final Pattern VERSIONED = Pattern.compile("V([0-9.]+)__.+\\.sql");

    @Inject
    SchemaMigrations migrations;

    @Test
    void theBundledVersionsAreExactlyTheMigrationScripts() throws IOException {
        List<String> scripts;
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
            scripts = files.map(file -> VERSIONED.matcher(file.getFileName().toString()))
                    .filter(Matcher::matches).map(m -> m.group(1))
                    .sorted(Comparator.comparing(version -> new java.math.BigDecimal(version))).toList();
        }
        assertThat(scripts).isNotEmpty();
        assertThat(SchemaMigrations.BUNDLED).containsExactlyElementsOf(scripts);
    }

    @Test
    void aNewDatabaseIsMigratedAtStartAndACurrentOneIsLeftAlone() throws Exception {
        assertThat(migrations.atStart()).as("the tests start on a new database").isEqualTo(SchemaMigrations.Outcome.MIGRATED);
        assertThat(appliedVersions()).containsExactlyElementsOf(SchemaMigrations.BUNDLED);
        int rows = historyRows();

        assertThat(migrations.migrate()).isEqualTo(SchemaMigrations.Outcome.CURRENT);
        assertThat(historyRows()).as("Flyway did not run again").isEqualTo(rows);
    }

    @Test
    void aFailedMigrationInTheHistoryMakesFlywayRunAgain() throws Exception {
        String last = SchemaMigrations.BUNDLED.get(SchemaMigrations.BUNDLED.size() - 1);
        execute("update flyway_schema_history set success = false where version = '" + last + "'");
        try {
            // Flyway itself refuses a history with a failed migration (it needs a repair): the start would fail
            // loudly instead of serving a schema it cannot vouch for
            org.assertj.core.api.Assertions.assertThatThrownBy(migrations::migrate)
                    .hasMessageContaining("failed migration");
        } finally {
            execute("update flyway_schema_history set success = true where version = '" + last + "'");
        }
        assertThat(migrations.migrate()).isEqualTo(SchemaMigrations.Outcome.CURRENT);
    }

    private static List<String> appliedVersions() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "select version from flyway_schema_history where success and version is not null "
                                + "order by installed_rank")) {
            List<String> versions = new java.util.ArrayList<>();
            while (rs.next()) {
                versions.add(rs.getString(1));
            }
            return versions;
        }
    }

    private static int historyRows() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select count(*) from flyway_schema_history")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void execute(String sql) throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static Connection connect() throws Exception {
        var config = ConfigProvider.getConfig();
        return DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
    }
}
