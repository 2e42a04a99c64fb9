package io.mediafanout.media.service.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.testing.FakeInngestApi;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The per-owner limits Inngest is told of at sync: the pipeline and the callbacks each take at most their share of the
 * app-wide limit per owner ({@code event.data.owner}), beside the app-wide limit itself; no throttle by default.
 */
@QuarkusTest
class OwnerFlowControlTests {

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @Test
    void eachFunctionDeclaresItsOwnersShareOfTheAppWideLimit() throws Exception {
        JsonNode pipeline = FakeInngestApi.syncedFunction(serveUrl, "media-pipeline-fanout-adaptive-streaming");
        JsonNode callbacks = FakeInngestApi.syncedFunction(serveUrl, "media-pipeline-media-callbacks");

        int app = appLimit(pipeline);
        assertThat(perOwner(pipeline)).isEqualTo(Math.max(1, (int) Math.floor(share("pipeline-share") * app)))
                .isLessThan(app);
        assertThat(perOwner(callbacks)).isEqualTo(Math.max(1, (int) Math.floor(share("callbacks-share") * app)));
        assertThat(pipeline.has("throttle")).as("no throttle unless media.owners.runs-per-minute is set").isFalse();
    }

    private static int perOwner(JsonNode function) {
        for (JsonNode limit : function.path("concurrency")) {
            if (limit.path("key").asText().equals(MediaEvents.OWNER_KEY)) {
                assertThat(limit.has("scope")).as("per function").isFalse();
                return limit.path("limit").asInt();
            }
        }
        throw new AssertionError("no per-owner limit in " + function);
    }

    private static int appLimit(JsonNode function) {
        for (JsonNode limit : function.path("concurrency")) {
            if (!limit.path("key").asText().equals(MediaEvents.OWNER_KEY)) {
                return limit.path("limit").asInt();
            }
        }
        throw new AssertionError("no app-wide limit in " + function);
    }

    private static double share(String name) {
        return ConfigProvider.getConfig().getValue("media.owners." + name, Double.class);
    }
}
