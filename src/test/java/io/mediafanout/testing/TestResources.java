package io.mediafanout.testing;

import io.quarkus.test.common.QuarkusTestResource;

/**
 * The test resources every {@code @QuarkusTest} gets: a fresh PostgreSQL, the fake Inngest API and the
 * fake Ittybit. Declared once
 * here (unrestricted), so all test classes of one profile share one application start.
 */
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(FakeInngestApi.class)
@QuarkusTestResource(FakeIttybit.class)
public final class TestResources {

    private TestResources() {
    }
}
