package io.mediafanout.media.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.jboss.resteasy.reactive.RestResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.mediafanout.inngest.Event;
import io.mediafanout.inngest.InngestClient;
import io.mediafanout.inngest.InngestConfig;
import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.inngest.serve.InngestHttp;
import io.mediafanout.testing.FreePorts;
import io.mediafanout.testing.RecordingHttpServer;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.mutiny.core.Vertx;

/**
 * The answer to an upload whose event could not be sent ({@code POST /media}'s 503), from the failures of the SDK's
 * real event client: where nothing listens on the event API's port, or where it answers with an error.
 */
class ErrorMappersTests {

    private static Vertx vertx;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.closeAndAwait();
    }

    @Test
    void inDevModeAnUnreachableDevServerIsNamedWithItsUrlAndHowToStartIt() {
        String devServer = "http://127.0.0.1:" + FreePorts.next() + "/";
        InngestClient.SendException failure = sendFails(Map.of("inngest.dev", devServer));
        assertThat(failure.unreachableDevServer()).contains(devServer);

        RestResponse<Problem> answer = new ErrorMappers(true).notStarted(failure);
        assertThat(answer.getStatus()).isEqualTo(503);
        assertThat(answer.getEntity().code()).isEqualTo("unavailable");
        assertThat(answer.getEntity().errors()).isNull();
        assertThat(answer.getEntity().detail())
                .startsWith("the upload is stored but processing could not be started: the Inngest dev server is not "
                        + "reachable at " + devServer + "; start it with `npx inngest-cli@latest dev`")
                .contains("repeating the request is safe").doesNotContain("Exception").doesNotContain("NO_EVENT_KEY");
    }

    @Test
    void theProductionProfileAndCloudModeKeepTheGeneralAnswer() {
        String unreachable = "http://127.0.0.1:" + FreePorts.next() + "/";
        InngestClient.SendException devMode = sendFails(Map.of("inngest.dev", unreachable));
        assertThat(new ErrorMappers(false).notStarted(devMode).getEntity())
                .isEqualTo(Problem.of(ProblemType.UNAVAILABLE, ErrorMappers.NOT_STARTED));

        InngestClient.SendException cloudMode = sendFails(Map.of("inngest.dev", "0", "inngest.event-api-base-url",
                unreachable, "inngest.event-key", "test-event-key", "inngest.signing-key", "signkey-prod-" + "1".repeat(64),
                "inngest.serve-origin", "https://app.example.com"));
        assertThat(cloudMode.unreachableDevServer()).isEmpty();
        RestResponse<Problem> answer = new ErrorMappers(true).notStarted(cloudMode);
        assertThat(answer.getStatus()).isEqualTo(503);
        assertThat(answer.getEntity()).isEqualTo(Problem.of(ProblemType.UNAVAILABLE, ErrorMappers.NOT_STARTED));
        assertThat(ErrorMappers.NOT_STARTED).isEqualTo("the upload is stored but processing could not be started yet; "
                + "it is retried automatically, and repeating the request is safe");
    }

    @Test
    void aDevServerThatAnswersWithAnErrorIsNotCalledUnreachable() {
        try (RecordingHttpServer devServer = new RecordingHttpServer()) {
            devServer.route("POST", "/e/", r -> RecordingHttpServer.Reply.json(500, "{\"error\":\"broken\"}"));
            InngestClient.SendException failure = sendFails(Map.of("inngest.dev", devServer.url()));
            assertThat(failure.unreachableDevServer()).isEmpty();
            assertThat(new ErrorMappers(true).notStarted(failure).getEntity())
                    .isEqualTo(Problem.of(ProblemType.UNAVAILABLE, ErrorMappers.NOT_STARTED));
        }
    }

    /** Sends an event with the SDK's own client under {@code settings} (one attempt) and returns how it failed. */
    private static InngestClient.SendException sendFails(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(Map.of("inngest.app-id", "test-app",
                "inngest.allow-dev-mode-in-prod", "true", "inngest.http.event-attempts", "1",
                "inngest.http.timeout", "PT5S"));
        all.putAll(settings);
        InngestConfig config = new SmallRyeConfigBuilder().withMapping(InngestConfig.class).addDiscoveredConverters()
                .withSources(new PropertiesConfigSource(all, "test", 300)).build().getConfigMapping(InngestConfig.class);
        InngestEnvironment environment = new InngestEnvironment(config);
        InngestClient client = new InngestClient(new InngestHttp(vertx, environment), environment, new ObjectMapper());
        Event event = Event.of("test/happened", JsonNodeFactory.instance.objectNode().put("id", "e1"), "e1");
        Throwable[] failure = new Throwable[1];
        assertThatThrownBy(() -> client.send(event).await().atMost(Duration.ofSeconds(10)))
                .isInstanceOf(InngestClient.SendException.class).satisfies(e -> failure[0] = e);
        return (InngestClient.SendException) failure[0];
    }
}
