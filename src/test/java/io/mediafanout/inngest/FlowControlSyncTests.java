package io.mediafanout.inngest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.serve.InngestFunctions;
import io.mediafanout.testing.Transcript;

/**
 * Throttle, priority and several concurrency limits are synced as {@code inngest@4.24.0} syncs them (transcript 80:
 * the function config it registered), and the share of the app-wide limit is resolved at serve time.
 */
class FlowControlSyncTests {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVE_URL = "http://127.0.0.1:3939/api/inngest";
    /** What {@code ServeLimits} declares for app {@code media-pipeline} with a limit of 300. */
    private static final Concurrency APP_LIMIT =
            new Concurrency(300, Optional.of("\"media-pipeline\""), Optional.of("env"));

    private static FunctionDefinition.Builder reference() {
        return FunctionDefinition.builder("fanout-adaptive-streaming")
                .trigger(Trigger.event("video/uploaded"))
                .retries(3)
                .throttle(Throttle.perKey(10, Duration.ofMinutes(1), "event.data.owner").withBurst(2))
                .priority(Priority.run("event.data.priority"))
                .handler((ctx, step) -> io.smallrye.mutiny.Uni.createFrom().item("ok"));
    }

    private static JsonNode recorded() throws Exception {
        String body = Transcript.load("80-Q-function-config-flow-control.json").root().path("requests").get(0)
                .path("body").asText();
        JsonNode functions = JSON.readTree(body).path("functions");
        assertThat(functions).hasSize(1);
        return functions.get(0);
    }

    private static JsonNode ours(FunctionDefinition fn, Optional<Concurrency> appLimit) {
        JsonNode configs = new InngestFunctions("media-pipeline", List.of(fn), appLimit).configs(JSON, SERVE_URL);
        assertThat(configs).hasSize(1);
        return configs.get(0);
    }

    @Test
    void theConfigIsTheTypeScriptSdksByteForByteWithTheAppWideLimitDeclaredAtServeTime() throws Exception {
        JsonNode ours = ours(reference().concurrency(Concurrency.perKey(5, "event.data.owner")).build(),
                Optional.of(APP_LIMIT));
        // serialised: same keys, same order, same values (the step URL too, the serve URL being the recorded one)
        assertThat(JSON.writeValueAsString(ours)).isEqualTo(JSON.writeValueAsString(recorded()));
    }

    @Test
    void bothLimitsDeclaredByTheFunctionItselfSyncTheSame() throws Exception {
        JsonNode ours = ours(reference().concurrency(Concurrency.perKey(5, "event.data.owner"))
                .concurrency(APP_LIMIT).build(), Optional.empty());
        assertThat(JSON.writeValueAsString(ours)).isEqualTo(JSON.writeValueAsString(recorded()));
    }

    @Test
    void aShareOfTheAppWideLimitIsResolvedAtServeTime() throws Exception {
        JsonNode ours = ours(reference().concurrency(Concurrency.shareOfApp(1 / 60.0, "event.data.owner")).build(),
                Optional.of(APP_LIMIT));
        assertThat(JSON.writeValueAsString(ours)).isEqualTo(JSON.writeValueAsString(recorded()));

        assertThat(Concurrency.shareOfApp(0.25, "k").resolve(10).limit()).isEqualTo(2);
        assertThat(Concurrency.shareOfApp(0.01, "k").resolve(10).limit()).as("at least 1").isEqualTo(1);
        assertThat(Concurrency.shareOfApp(1, "k").resolve(10).limit()).isEqualTo(10);
        Concurrency resolved = Concurrency.shareOfApp(0.5, "event.data.owner").resolve(300);
        assertThat(resolved).isEqualTo(Concurrency.perKey(150, "event.data.owner"));
        assertThat(resolved.isShare()).isFalse();
        assertThat(Concurrency.perKey(3, "k").resolve(300)).isEqualTo(Concurrency.perKey(3, "k"));
    }

    @Test
    void withoutAnAppWideLimitAShareIsNotDeclared() {
        JsonNode ours = ours(reference().concurrency(Concurrency.shareOfApp(0.5, "event.data.owner")).build(),
                Optional.empty());
        assertThat(ours.has("concurrency")).isFalse();
        assertThat(ours.path("throttle").path("limit").asInt()).isEqualTo(10);
    }

    @Test
    void twoOwnLimitsLeaveNoRoomForTheAppWideOne() {
        JsonNode ours = ours(reference().concurrency(Concurrency.shareOfApp(0.5, "event.data.owner"))
                .concurrency(Concurrency.of(7)).build(), Optional.of(APP_LIMIT));
        assertThat(ours.path("concurrency").toString()).isEqualTo("[{\"limit\":150,\"key\":\"event.data.owner\"},"
                + "{\"limit\":7}]");
        assertThatThrownBy(() -> reference().concurrency(Concurrency.of(1)).concurrency(Concurrency.of(2))
                .concurrency(Concurrency.shareOfApp(0.1, "k")).build()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theFailureHandlerGetsNeitherThrottleNorPriorityAsInTheTypeScriptSdk() {
        JsonNode configs = new InngestFunctions("media-pipeline",
                List.of(reference().onFailure((ctx, step) -> io.smallrye.mutiny.Uni.createFrom().nullItem()).build()), Optional.empty()).configs(JSON, SERVE_URL);
        assertThat(configs).hasSize(2);
        assertThat(configs.get(0).has("throttle")).isTrue();
        assertThat(configs.get(1).has("throttle")).isFalse();
        assertThat(configs.get(1).has("priority")).isFalse();
    }

    @Test
    void throttleIsWrittenWithoutTheOptionalFieldsAndItsPeriodAsATimeString() {
        JsonNode ours = ours(FunctionDefinition.builder("f").trigger(Trigger.event("e"))
                .throttle(Throttle.of(1, Duration.ofSeconds(90))).handler((ctx, step) -> io.smallrye.mutiny.Uni.createFrom().nullItem()).build(), Optional.empty());
        assertThat(ours.path("throttle").toString()).isEqualTo("{\"limit\":1,\"period\":\"1m30s\"}");
        assertThat(ours.has("priority")).isFalse();
    }

    @Test
    void invalidFlowControlIsRefusedWhenDeclared() {
        assertThatThrownBy(() -> Throttle.of(0, Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Throttle.of(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Throttle.of(1, Duration.ofMillis(1500))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Throttle.of(1, Duration.ofDays(7).plusSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Throttle.of(1, Duration.ofDays(7)).period()).isEqualTo(Duration.ofDays(7));
        assertThat(Throttle.of(1, Duration.ofSeconds(1)).period()).isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> Throttle.of(1, Duration.ofMinutes(1)).withBurst(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Throttle.perKey(1, Duration.ofMinutes(1), " "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Priority.run(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Concurrency.shareOfApp(0, "k")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Concurrency.shareOfApp(1.5, "k")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Concurrency(1, Optional.of("k"), Optional.of("app")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
