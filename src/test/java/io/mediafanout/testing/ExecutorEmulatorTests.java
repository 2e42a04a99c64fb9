package io.mediafanout.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The emulator's handling of waits, sleeps and events, without Quarkus: time strings, {@code if} expressions, and
 * whole runs against a tiny stand-in "SDK" that replays a fixed function.
 */
class ExecutorEmulatorTests {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WAIT = "7ec6cbd674b658d0c1d79226b0df087f78166e17";
    private static final String CREATE = "49b8afc35da4245710dc756f82d3e19c32e7370b";
    private static final String RESULT = "48ceed167f59d44e45aac3f2fedcd35dc16e6eed";
    private static final String SLEEP = "7a514cd7d0c84793285acf0abd3587593ab6dd9d";

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    // ---- time strings

    @Test
    void parsesInngestTimeStrings() {
        assertThat(ExecutorEmulator.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(ExecutorEmulator.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(ExecutorEmulator.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(ExecutorEmulator.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(ExecutorEmulator.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(ExecutorEmulator.parseDuration("1w2d")).isEqualTo(Duration.ofDays(9));
        assertThat(ExecutorEmulator.parseDuration("1m1ms")).isEqualTo(Duration.ofMillis(60_001));
        for (String bad : new String[] { "", "2", "h", "2 h", "2hours", "-1s", "1.h" }) {
            assertThatThrownBy(() -> ExecutorEmulator.parseDuration(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void sleepsForADurationOrUntilAnInstantScaled() {
        long now = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
        ObjectNode byName = JSON.createObjectNode().put("op", "Sleep").put("name", "30s");
        assertThat(ExecutorEmulator.sleepMillis(byName, 1.0, now)).isEqualTo(30_000);
        assertThat(ExecutorEmulator.sleepMillis(byName, 0.001, now)).isEqualTo(30);
        ObjectNode byOpts = JSON.createObjectNode().put("op", "Sleep").put("name", "cool-down");
        byOpts.putObject("opts").put("duration", "2h");
        assertThat(ExecutorEmulator.sleepMillis(byOpts, 0.001, now)).isEqualTo(7_200);
        ObjectNode until = JSON.createObjectNode().put("op", "Sleep").put("name", "2026-01-01T01:00:00.000Z");
        assertThat(ExecutorEmulator.sleepMillis(until, 0.01, now)).isEqualTo(36_000);
        ObjectNode past = JSON.createObjectNode().put("op", "Sleep").put("name", "2025-01-01T00:00:00Z");
        assertThat(ExecutorEmulator.sleepMillis(past, 1.0, now)).isZero();
    }

    @Test
    void writesRequestBodiesAsJsonCanonicalizerDoes() throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.put("zeta", 1).put("Zeta", 2).put("\u00e9t\u00e9", 3).put("a\uD83D\uDE00", 4).put("", 5);
        body.put("text", "quote \" backslash \\ slash / \b\f\n\r\t \u0001\u001f\u007f \u2028 \u00e9 \uD83D\uDE00 <>&'");
        body.putArray("numbers").add(0).add(-0.0).add(1).add(-5).add(1e21).add(1e-7).add(0.1).add(3.14159)
                .add(123_456_789_012_345_678L).add(Long.MIN_VALUE).add(new java.math.BigInteger("98765432109876543210987"))
                .add(new java.math.BigDecimal("1.50")).add(new java.math.BigDecimal("1E+3")).add(2.5e-324)
                .add(Double.MAX_VALUE);
        body.putArray("empty");
        body.putObject("nested").put("b", true).put("a", false).putNull("c").putObject("d").putArray("e").add("x");
        body.putArray("objects").addObject().put("y", 1).put("x", 2);

        assertThat(ExecutorEmulator.canonical(body))
                .isEqualTo(new org.erdtman.jcs.JsonCanonicalizer(JSON.writeValueAsString(body)).getEncodedString());
    }

    // ---- if expressions

    @Test
    void matchesTheSupportedExpressions() {
        JsonNode trigger = JSON.createObjectNode().set("data", JSON.createObjectNode().put("mediaId", "m1"));
        ObjectNode ended = event("ittybit/task.ended", "e1", "m1:hls:0");
        ((ObjectNode) ended.get("data")).put("mediaId", "m1");

        assertThat(ExecutorEmulator.Condition.parse("async.data.key == 'm1:hls:0'").test(trigger, ended)).isTrue();
        assertThat(ExecutorEmulator.Condition.parse("async.data.key == \"m1:hls:0\"").test(trigger, ended)).isTrue();
        assertThat(ExecutorEmulator.Condition.parse("async.data.key == 'm1:gif:0'").test(trigger, ended)).isFalse();
        assertThat(ExecutorEmulator.Condition.parse("event.data.mediaId == async.data.mediaId").test(trigger, ended))
                .isTrue();
        assertThat(ExecutorEmulator.Condition.parse("async.data.mediaId == event.data.mediaId").test(trigger, ended))
                .isTrue();
        assertThat(ExecutorEmulator.Condition
                .parse("event.data.mediaId == async.data.mediaId && async.data.key == 'm1:hls:0'")
                .test(trigger, ended)).isTrue();
        assertThat(ExecutorEmulator.Condition
                .parse("event.data.mediaId == async.data.mediaId&&async.data.key == 'other'")
                .test(trigger, ended)).isFalse();
        // a literal may contain the operators
        assertThat(ExecutorEmulator.Condition.parse("async.data.key == 'a && b == c'")
                .test(trigger, event("x", "e2", "a && b == c"))).isTrue();
        // a missing field never matches (a CEL evaluation error)
        assertThat(ExecutorEmulator.Condition.parse("event.data.nope == async.data.nope").test(trigger, ended))
                .isFalse();
    }

    @Test
    void failsLoudlyOnUnsupportedExpressions() {
        for (String bad : new String[] { "async.data.key != 'x'", "async.data.key == 'x' || async.data.key == 'y'",
                "async.data.n == 3", "size(async.data.key) == 'x'", "async.data.key == 'x", "", "async.data.key" }) {
            assertThatThrownBy(() -> ExecutorEmulator.Condition.parse(bad)).as(bad)
                    .isInstanceOf(AssertionError.class).hasMessageContaining("\"" + bad + "\"");
        }
    }

    // ---- whole runs against a stand-in SDK

    /**
     * The reference branch: {@code Promise.all([waitForEvent("hls-package-ended", 2h), run("hls-package")])}, then
     * {@code sleep("hls-package-backoff", "30s")} if the wait timed out, then {@code run("hls-package-result")}.
     * Like the TS SDK, a pending wait is reported again on every discovery call.
     */
    private final class BranchFunction implements Function<JsonNode, Answer> {
        final List<JsonNode> requests = new CopyOnWriteArrayList<>();
        volatile Runnable duringCreate = () -> {
        };

        @Override
        public Answer apply(JsonNode body) {
            requests.add(body);
            String stepId = body.path("ctx").path("step_id").asText();
            JsonNode steps = body.path("steps");
            if (stepId.equals(CREATE)) {
                duringCreate.run();
                return new Answer(206, ops(stepRun(CREATE, "hls-package",
                        JSON.createObjectNode().put("id", "task_hls").put("status", "processing"))));
            }
            if (stepId.equals(RESULT)) {
                return new Answer(206, ops(stepRun(RESULT, "hls-package-result", JSON.createObjectNode().put("ok", 1))));
            }
            List<JsonNode> found = new ArrayList<>();
            if (!steps.has(WAIT)) {
                found.add(waitOp());
            }
            if (!steps.has(CREATE)) {
                found.add(op("StepPlanned", CREATE, "hls-package"));
            }
            if (found.isEmpty()) {
                boolean timedOut = steps.get(WAIT).isNull();
                if (timedOut && !steps.has(SLEEP)) {
                    return new Answer(206, ops(op("Sleep", SLEEP, "30s")));
                }
                if (!steps.has(RESULT)) {
                    return body.path("ctx").path("disable_immediate_execution").asBoolean()
                            ? new Answer(206, ops(op("StepPlanned", RESULT, "hls-package-result")))
                            : new Answer(206, ops(stepRun(RESULT, "hls-package-result",
                                    JSON.createObjectNode().put("ok", 1))));
                }
                ObjectNode out = JSON.createObjectNode();
                out.set("ended", steps.get(WAIT));
                return new Answer(200, out);
            }
            return new Answer(206, ops(found.toArray(JsonNode[]::new)));
        }
    }

    private record Answer(int status, JsonNode body) {
    }

    private URI serve(Function<JsonNode, Answer> function) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/api/inngest", (HttpExchange exchange) -> {
            try (exchange) {
                JsonNode body = JSON.readTree(exchange.getRequestBody());
                Answer answer = function.apply(body);
                byte[] bytes = JSON.writeValueAsBytes(answer.body());
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.getResponseHeaders().add("X-Inngest-SDK", "stub:v0");
                exchange.getResponseHeaders().add("X-Inngest-Req-Version", "2");
                exchange.sendResponseHeaders(answer.status(), bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/inngest");
    }

    private static ExecutorEmulator emulator(URI url) {
        return new ExecutorEmulator(url, "fn", Optional.empty(), 3, Duration.ofMillis(10));
    }

    @Test
    void anEventSentWhileTheCreatingStepRunsResolvesTheWaitWithTheWholeEvent() throws Exception {
        BranchFunction function = new BranchFunction();
        URI url = serve(function);
        try (ExecutorEmulator emulator = emulator(url)) {
            function.duringCreate = () -> emulator.deliver(List.of(event("ittybit/task.ended", "evt-1", "m1:hls:0")));

            ExecutorEmulator.Run run = emulator.run("video/uploaded", JSON.createObjectNode().put("mediaId", "m1"));

            assertThat(run.status()).isEqualTo("completed");
            JsonNode memo = run.steps().get(WAIT);
            assertThat(memo.path("name").asText()).isEqualTo("ittybit/task.ended");
            assertThat(memo.path("id").asText()).isEqualTo("evt-1");
            assertThat(memo.path("data").path("key").asText()).isEqualTo("m1:hls:0");
            assertThat(memo.has("ts")).isTrue();
            assertThat(run.output().path("ended")).isEqualTo(memo);
            // discovery [wait, planned] -> create -> discovery: the result runs immediately -> final discovery
            assertThat(run.calls()).extracting(ExecutorEmulator.Call::stepId)
                    .containsExactly("step", CREATE, "step", "step");
            assertThat(run.calls().get(0).ops()).containsExactly("WaitForEvent", "StepPlanned");
            assertThat(run.calls().get(2).ops()).containsExactly("StepRun");
            assertThat(function.requests.get(1).path("ctx").path("disable_immediate_execution").asBoolean()).isTrue();
            assertThat(function.requests.get(2).path("ctx").path("disable_immediate_execution").asBoolean()).isFalse();
            // memoised in completion order: the wait (during the create call) before the create
            assertThat(function.requests.get(3).path("ctx").path("stack").path("stack"))
                    .extracting(JsonNode::asText).containsExactly(WAIT, CREATE, RESULT);
            assertThat(run.pauses()).singleElement().satisfies(p -> {
                assertThat(p.outcome()).isEqualTo("event");
                assertThat(p.expression()).isEqualTo("async.data.key == 'm1:hls:0'");
            });
            assertThat(run.slotMillis()).isPositive();
            assertThat(run.stepExecutions()).isEqualTo(4);
        }
    }

    @Test
    void aGroupWithAPendingWaitIsNotCalledAgainUntilTheEventEvenAfterItsStepRan() throws Exception {
        BranchFunction function = new BranchFunction();
        URI url = serve(function);
        try (ExecutorEmulator emulator = emulator(url)) {
            var run = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return emulator.run("video/uploaded", JSON.createObjectNode().put("mediaId", "m1"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // discovery, create: then nothing until the event, the wait being pending in the create's group
            // (version 2, as Inngest's executor: the next call once none of the group's ops is pending)
            awaitCalls(function, 2);
            // the wait starts once the create's answer is handled, a little after its request arrived: 600 ms leave
            // the waitedMillis bound below room for a slow machine
            Thread.sleep(600);
            assertThat(function.requests).hasSize(2);
            // an event of another name or another key does not match; a matching one does, once
            ExecutorEmulator.deliverToAll(List.of(event("ittybit/task.ended", "x-1", "m1:gif:0"),
                    event("other/event", "x-2", "m1:hls:0")));
            Thread.sleep(100);
            assertThat(function.requests).hasSize(2);
            ExecutorEmulator.deliverToAll(List.of(event("ittybit/task.ended", "ok-1", "m1:hls:0")));

            ExecutorEmulator.Run done = run.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(done.status()).isEqualTo("completed");
            assertThat(done.calls().get(1).ops()).containsExactly("StepRun");
            assertThat(done.pausesFor(WAIT)).singleElement()
                    .satisfies(p -> assertThat(p.outcome()).isEqualTo("event"));
            assertThat(done.steps().get(WAIT).path("id").asText()).isEqualTo("ok-1");
            assertThat(done.waitedMillis()).isGreaterThan(250);
            // a duplicate of an event id is ignored and counted
            emulator.deliver(List.of(event("ittybit/task.ended", "ok-1", "m1:hls:0")));
            assertThat(emulator.duplicateEventsIgnored()).isEqualTo(1);
            assertThat(emulator.receivedEvents()).extracting(e -> e.path("id").asText())
                    .containsExactly("x-1", "x-2", "ok-1");
        }
    }

    @Test
    void anEventReceivedBeforeThePauseDoesNotMatchItSoTheWaitTimesOutThenTheSleepElapses() throws Exception {
        BranchFunction function = new BranchFunction();
        URI url = serve(function);
        // 2h * 0.0001 = 720 ms, 30 s * 0.0001 = 3 ms
        try (ExecutorEmulator emulator = emulator(url).timeScale(0.0001).register()) {
            ExecutorEmulator.deliverToAll(List.of(event("ittybit/task.ended", "early", "m1:hls:0")));
            long t0 = System.nanoTime();

            ExecutorEmulator.Run run = emulator.run("video/uploaded", JSON.createObjectNode().put("mediaId", "m1"));

            double millis = (System.nanoTime() - t0) / 1e6;
            assertThat(run.status()).isEqualTo("completed");
            assertThat(run.steps().get(WAIT).isNull()).isTrue();
            assertThat(run.steps().get(SLEEP).isNull()).isTrue();
            assertThat(run.output().path("ended").isNull()).isTrue();
            assertThat(millis).isGreaterThanOrEqualTo(700);
            assertThat(run.pauses()).extracting(ExecutorEmulator.Pause::op, ExecutorEmulator.Pause::outcome,
                    ExecutorEmulator.Pause::scheduledMillis)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("WaitForEvent", "timeout", 720L),
                            org.assertj.core.groups.Tuple.tuple("Sleep", "elapsed", 3L));
            assertThat(emulator.receivedEvents()).hasSize(1);
        }
    }

    @Test
    void skippingIdleTimeEndsTheTwoHourWaitAndTheSleepAtOnceWithTheCallsOfRealTime() throws Exception {
        BranchFunction function = new BranchFunction();
        URI url = serve(function);
        try (ExecutorEmulator emulator = emulator(url).skipIdleTime()) {
            long t0 = System.nanoTime();

            ExecutorEmulator.Run run = emulator.run("video/uploaded", JSON.createObjectNode().put("mediaId", "m1"));

            assertThat(System.nanoTime() - t0).as("2 h and 30 s of Inngest time").isLessThan(10_000_000_000L);
            assertThat(run.status()).isEqualTo("completed");
            assertThat(run.output().path("ended").isNull()).isTrue();
            // the wait outlasted the create call beside it and held the group (no call meanwhile), then ended by its
            // timeout once the run had nothing else to do; then the sleep
            assertThat(run.calls()).extracting(ExecutorEmulator.Call::stepId)
                    .containsExactly("step", CREATE, "step", "step", "step");
            assertThat(run.calls()).extracting(ExecutorEmulator.Call::ops).containsExactly(
                    List.of("WaitForEvent", "StepPlanned"), List.of("StepRun"), List.of("Sleep"), List.of("StepRun"),
                    List.of());
            assertThat(run.pauses()).extracting(ExecutorEmulator.Pause::op, ExecutorEmulator.Pause::outcome,
                    ExecutorEmulator.Pause::scheduledMillis)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("WaitForEvent", "timeout", 7_200_000L),
                            org.assertj.core.groups.Tuple.tuple("Sleep", "elapsed", 30_000L));
        }
    }

    @Test
    void skippingIdleTimeLetsTimeRunWhileACallIsInFlight() throws Exception {
        BranchFunction function = new BranchFunction();
        URI url = serve(function);
        // 2h * 0.00005 = 360 ms: shorter than the create call, during which the wait times out as in real time
        try (ExecutorEmulator emulator = emulator(url).timeScale(0.00005).skipIdleTime()) {
            function.duringCreate = () -> {
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };

            ExecutorEmulator.Run run = emulator.run("video/uploaded", JSON.createObjectNode().put("mediaId", "m1"));

            assertThat(run.status()).isEqualTo("completed");
            assertThat(run.calls()).extracting(ExecutorEmulator.Call::ops).containsExactly(
                    List.of("WaitForEvent", "StepPlanned"), List.of("StepRun"), List.of("Sleep"), List.of("StepRun"),
                    List.of());
            // ended by its timer, after its 360 ms (not skipped: a call was in flight)
            assertThat(run.pausesFor(WAIT)).singleElement().satisfies(p -> {
                assertThat(p.outcome()).isEqualTo("timeout");
                assertThat(p.waitedMillis()).isGreaterThanOrEqualTo(300.0);
            });
        }
    }

    @Test
    void anAnswerWithNothingToDoAndNothingPendingFailsLoudly() throws Exception {
        URI url = serve(body -> new Answer(206, JSON.createArrayNode()));
        try (ExecutorEmulator emulator = emulator(url)) {
            assertThatThrownBy(() -> emulator.run("video/uploaded", JSON.createObjectNode()))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("stuck");
        }
    }

    @Test
    void theFakeEventApiHandsEventsToLiveEmulatorsOnceAndAnswersStableIds() throws Exception {
        FakeInngestApi api = new FakeInngestApi();
        String base = api.start().get("inngest.base-url");
        FakeInngestApi.reset();
        try (ExecutorEmulator emulator = new ExecutorEmulator(URI.create("http://127.0.0.1:1/"), "fn",
                Optional.empty(), 0, Duration.ZERO).register()) {
            HttpClient http = HttpClient.newHttpClient();
            String events = "[{\"name\":\"a/b\",\"data\":{\"k\":1},\"id\":\"same\"},{\"name\":\"a/c\"}]";
            JsonNode first = post(http, base, events);
            JsonNode second = post(http, base, "{\"name\":\"a/b\",\"data\":{\"k\":2},\"id\":\"same\"}");

            assertThat(first.path("ids").get(0).asText()).isEqualTo("01EVENTsame");
            assertThat(first.path("ids").get(1).asText()).startsWith("01EVENT");
            assertThat(second.path("ids").get(0).asText()).isEqualTo("01EVENTsame");
            assertThat(FakeInngestApi.duplicateEventsIgnored()).isEqualTo(1);
            assertThat(FakeInngestApi.receivedEvents()).hasSize(2);
            assertThat(FakeInngestApi.receivedEvents().get(1).path("id").asText())
                    .isEqualTo(first.path("ids").get(1).asText());
            assertThat(emulator.receivedEvents()).isEqualTo(FakeInngestApi.receivedEvents());
            assertThat(emulator.receivedEvents().get(0).path("data").path("k").asInt()).isEqualTo(1);
        } finally {
            FakeInngestApi.reset();
        }
    }

    // ---- concurrency keys and throttle

    /** A one-call function: the discovery call answers 200; calls for owner A block until {@code releaseA}. */
    private static final class OwnerFunction implements Function<JsonNode, Answer> {
        final List<String> log = new CopyOnWriteArrayList<>();
        final java.util.concurrent.CountDownLatch releaseA = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger maxInFlightA = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger inFlightA = new java.util.concurrent.atomic.AtomicInteger();
        volatile boolean blockA;
        /** When set, each call of A waits for one permit of it (the test frees A's slots one at a time). */
        volatile java.util.concurrent.Semaphore stepA;

        @Override
        public Answer apply(JsonNode body) {
            String owner = body.path("event").path("data").path("owner").asText("none");
            String run = body.path("event").path("data").path("run").asText();
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            if (owner.equals("A")) {
                maxInFlightA.accumulateAndGet(inFlightA.incrementAndGet(), Math::max);
            }
            log.add("start " + owner + run);
            try {
                if (owner.equals("A") && blockA) {
                    releaseA.await(30, java.util.concurrent.TimeUnit.SECONDS);
                }
                if (owner.equals("A") && stepA != null) {
                    stepA.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                log.add("end " + owner + run);
                if (owner.equals("A")) {
                    inFlightA.decrementAndGet();
                }
                inFlight.decrementAndGet();
            }
            return new Answer(200, JSON.createObjectNode().put("owner", owner));
        }

        long count(String entry) {
            return log.stream().filter(entry::equals).count();
        }
    }

    private static JsonNode owner(String owner, int run) {
        return JSON.createObjectNode().put("owner", owner).put("run", run);
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aCallHeldByItsOwnersFullLimitDoesNotHoldAnotherOwnersCall() throws Exception {
        OwnerFunction function = new OwnerFunction();
        function.blockA = true;
        URI url = serve(function);
        ObjectNode config = JSON.createObjectNode();
        // the app-wide limit first: taken one limit at a time, A's waiting calls would hold both of its permits
        config.putArray("concurrency")
                .add(JSON.createObjectNode().put("limit", 2).put("key", "\"emulator-test-app\"").put("scope", "env"))
                .add(JSON.createObjectNode().put("limit", 1).put("key", "event.data.owner"));
        ExecutorEmulator.resetConcurrency();
        var threads = Executors.newCachedThreadPool();
        try (ExecutorEmulator emulator = emulator(url).concurrency(config)) {
            List<java.util.concurrent.Future<ExecutorEmulator.Run>> runsOfA = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                int n = i;
                runsOfA.add(threads.submit(() -> emulator.run("owner/job", owner("A", n))));
            }
            await(() -> emulator.callsQueued() == 3 && function.count("start A1") + function.count("start A2")
                    + function.count("start A3") + function.count("start A4") == 1, "one call of A in flight, 3 queued");

            ExecutorEmulator.Run b = threads.submit(() -> emulator.run("owner/job", owner("B", 1)))
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);

            assertThat(b.status()).isEqualTo("completed");
            // B's run finished while A's first call still runs and A's 3 other runs still wait for A's limit
            assertThat(function.log).filteredOn(e -> e.startsWith("start A")).hasSize(1);
            assertThat(function.log).filteredOn(e -> e.startsWith("end A")).isEmpty();
            assertThat(function.log).contains("start B1", "end B1");
            assertThat(emulator.callsQueued()).isEqualTo(3);

            function.releaseA.countDown();
            for (var run : runsOfA) {
                assertThat(run.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo("completed");
            }
            assertThat(function.maxInFlightA.get()).isEqualTo(1);
            assertThat(function.maxInFlight.get()).isEqualTo(2);
            assertThat(emulator.callsQueued()).isZero();
        } finally {
            threads.shutdownNow();
            ExecutorEmulator.resetConcurrency();
        }
    }

    /**
     * Inngest's key queues: each owner's waiting calls are a backlog of their own, and every free slot goes to the
     * backlogs in a random order, so another owner's call waits for one of the next free slots, not for the first
     * owner's whole backlog, even when the first owner's limit is the whole app's. (Each free slot picks B's backlog
     * with probability 1/2: B waiting past 12 of them has the probability 1/4096; in arrival order it would always
     * wait for all 16.)
     */
    @Test
    void anotherOwnersCallTakesOneOfTheNextFreeSlotsNotTheEndOfTheFirstOwnersBacklog() throws Exception {
        OwnerFunction function = new OwnerFunction();
        function.stepA = new java.util.concurrent.Semaphore(0);
        URI url = serve(function);
        ObjectNode config = JSON.createObjectNode();
        config.putArray("concurrency")
                .add(JSON.createObjectNode().put("limit", 2).put("key", "\"emulator-test-app\"").put("scope", "env"))
                .add(JSON.createObjectNode().put("limit", 2).put("key", "event.data.owner"));
        ExecutorEmulator.resetConcurrency();
        var threads = Executors.newCachedThreadPool();
        try (ExecutorEmulator emulator = emulator(url).concurrency(config)) {
            List<java.util.concurrent.Future<ExecutorEmulator.Run>> runsOfA = new ArrayList<>();
            for (int i = 1; i <= 18; i++) {
                int n = i;
                runsOfA.add(threads.submit(() -> emulator.run("owner/job", owner("A", n))));
                if (i == 2) {
                    await(() -> function.log.size() == 2, "A's first two calls in flight");
                }
            }
            await(() -> emulator.callsQueued() == 16, "16 calls of A queued behind the app-wide limit");
            var b = threads.submit(() -> emulator.run("owner/job", owner("B", 1)));
            await(() -> emulator.callsQueued() == 17, "B's call queued");

            int freed = 0;
            while (!function.log.contains("start B1") && freed < 16) {
                function.stepA.release();
                freed++;
                int done = freed;
                // the slot went to the next call of A (one fewer queued), or to B's (which then ends and frees it
                // again for A's next: two fewer)
                await(() -> function.log.stream().filter(e -> e.startsWith("end A")).count() == done
                        && (emulator.callsQueued() == 17 - done || function.log.contains("start B1")),
                        "free slot " + done + " taken");
            }

            assertThat(b.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo("completed");
            assertThat(freed).as("free slots B's call waited for").isLessThanOrEqualTo(12);
            function.stepA.release(100);
            for (var run : runsOfA) {
                assertThat(run.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo("completed");
            }
        } finally {
            threads.shutdownNow();
            ExecutorEmulator.resetConcurrency();
        }
    }

    @Test
    void withoutAKeyValueEveryRunSharesOneQueueAndAnUnknownKeyFailsLoudly() throws Exception {
        OwnerFunction function = new OwnerFunction();
        function.blockA = true;
        URI url = serve(function);
        ObjectNode config = JSON.createObjectNode();
        config.putArray("concurrency").add(JSON.createObjectNode().put("limit", 1).put("key", "event.data.missing"));
        ExecutorEmulator.resetConcurrency();
        var threads = Executors.newCachedThreadPool();
        try (ExecutorEmulator emulator = emulator(url).concurrency(config)) {
            var a = threads.submit(() -> emulator.run("owner/job", owner("A", 1)));
            await(() -> function.count("start A1") == 1, "A's call");
            var b = threads.submit(() -> emulator.run("owner/job", owner("B", 1)));
            // the missing value is one key (null) for both owners: B waits for A
            await(() -> emulator.callsQueued() == 1, "B queued behind A");
            assertThat(function.log).doesNotContain("start B1");
            function.releaseA.countDown();
            assertThat(a.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo("completed");
            assertThat(b.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo("completed");
            assertThat(function.log).containsSubsequence("end A1", "start B1");
        } finally {
            threads.shutdownNow();
            ExecutorEmulator.resetConcurrency();
        }
        ObjectNode bad = JSON.createObjectNode();
        bad.putArray("concurrency").add(JSON.createObjectNode().put("limit", 1).put("key", "event.data.a + 'x'"));
        assertThatThrownBy(() -> emulator(url).concurrency(bad)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("event.data.a + 'x'");
    }

    @Test
    void aThrottledRunStartsAfterTheEarlierOnesInsteadOfFailingAndAnotherKeyIsNotHeld() throws Exception {
        OwnerFunction function = new OwnerFunction();
        URI url = serve(function);
        ObjectNode config = JSON.createObjectNode();
        // 1 run per minute per owner; 1 m * 0.1 = 6 s between A's starts: B's whole run fits before A2's start even
        // on a loaded machine
        config.putObject("throttle").put("limit", 1).put("period", "1m").put("key", "event.data.owner");
        ExecutorEmulator.resetConcurrency();
        var threads = Executors.newCachedThreadPool();
        try (ExecutorEmulator emulator = emulator(url).timeScale(0.1).concurrency(config)) {
            var a1 = threads.submit(() -> emulator.run("owner/job", owner("A", 1)));
            await(() -> function.count("end A1") == 1, "A1's call");
            var a2 = threads.submit(() -> emulator.run("owner/job", owner("A", 2)));
            await(() -> emulator.runsThrottled() == 1, "A2 throttled");
            var a3 = threads.submit(() -> emulator.run("owner/job", owner("A", 3)));
            await(() -> emulator.runsThrottled() == 2, "A3 throttled");

            ExecutorEmulator.Run b = threads.submit(() -> emulator.run("owner/job", owner("B", 1)))
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);

            assertThat(b.status()).isEqualTo("completed");
            assertThat(function.log).doesNotContain("start A2", "start A3");
            for (var run : List.of(a1, a2, a3)) {
                assertThat(run.get(40, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo("completed");
            }
            assertThat(function.log).filteredOn(e -> e.startsWith("start")).containsExactly("start A1", "start B1",
                    "start A2", "start A3");
            assertThat(emulator.runsThrottled()).isZero();
        } finally {
            threads.shutdownNow();
            ExecutorEmulator.resetConcurrency();
        }
    }

    private static JsonNode post(HttpClient http, String base, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/e/KEY"))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static void awaitCalls(BranchFunction function, int calls) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (function.requests.size() < calls && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(function.requests).hasSizeGreaterThanOrEqualTo(calls);
    }

    private static ObjectNode event(String name, String id, String key) {
        ObjectNode event = JSON.createObjectNode().put("name", name).put("id", id);
        event.putObject("data").put("key", key);
        return event;
    }

    private static JsonNode waitOp() {
        ObjectNode op = op("WaitForEvent", WAIT, "ittybit/task.ended");
        op.putObject("opts").put("timeout", "2h").put("if", "async.data.key == 'm1:hls:0'");
        return op;
    }

    private static ObjectNode op(String kind, String id, String name) {
        ObjectNode op = JSON.createObjectNode().put("displayName", name).put("op", kind).put("id", id).put("name", name);
        op.putObject("opts");
        op.putNull("data");
        return op;
    }

    private static ObjectNode stepRun(String id, String name, JsonNode data) {
        ObjectNode op = op("StepRun", id, name);
        op.set("data", data);
        return op;
    }

    private static ArrayNode ops(JsonNode... ops) {
        ArrayNode array = JSON.createArrayNode();
        for (JsonNode op : ops) {
            array.add(op);
        }
        return array;
    }
}
