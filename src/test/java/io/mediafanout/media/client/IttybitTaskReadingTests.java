package io.mediafanout.media.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The client reads every task shape the Ittybit API has had (../shared/ittybit/API.md §6). */
class IttybitTaskReadingTests {

    static final ObjectMapper JSON = new ObjectMapper();

    static IttybitTask read(String json) throws Exception {
        return IttybitClient.read(JSON.readTree(json));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({ "completed, DONE", "succeeded, DONE", "ready, DONE", "failed, FAILED", "error, FAILED",
            "cancelled, FAILED", "pending, IN_PROGRESS", "waiting, IN_PROGRESS", "processing, IN_PROGRESS",
            "queued, IN_PROGRESS", "finishing, IN_PROGRESS", "Completed, DONE" })
    void mapsEveryKnownStatus(String status, IttybitTask.State state) throws Exception {
        assertThat(read("{\"id\":\"task_1\",\"status\":\"" + status + "\"}").state()).isEqualTo(state);
    }

    @Test
    void readsTheOutputUrlFromAnObjectAStringOrTheFirstOfOutputs() throws Exception {
        assertThat(read("{\"id\":\"t\",\"status\":\"completed\",\"output\":{\"url\":\"https://a\"}}").outputUrl())
                .isEqualTo("https://a");
        assertThat(read("{\"id\":\"t\",\"status\":\"succeeded\",\"output\":\"https://b\"}").outputUrl())
                .isEqualTo("https://b");
        assertThat(read("{\"id\":\"t\",\"status\":\"succeeded\",\"outputs\":[{\"url\":\"https://c\"},{\"url\":\"https://d\"}]}")
                .outputUrl()).isEqualTo("https://c");
        assertThat(read("{\"id\":\"t\",\"status\":\"processing\",\"output\":null}").outputUrl()).isNull();
    }

    @Test
    void unwrapsTheDataEnvelope() throws Exception {
        IttybitTask task = read("{\"meta\":{\"version\":\"2025-01-01\"},\"data\":{\"id\":\"task_9\",\"status\":\"ready\","
                + "\"output\":{\"url\":\"https://e\"}},\"error\":null,\"links\":{}}");
        assertThat(task.id()).isEqualTo("task_9");
        assertThat(task.state()).isEqualTo(IttybitTask.State.DONE);
        assertThat(task.outputUrl()).isEqualTo("https://e");
    }

    @Test
    void readsTheErrorAsTextOrObject() throws Exception {
        assertThat(read("{\"id\":\"t\",\"status\":\"failed\",\"error\":\"bad codec\"}").error()).isEqualTo("bad codec");
        assertThat(read("{\"id\":\"t\",\"status\":\"failed\",\"error\":{\"kind\":\"x\",\"message\":\"too long\"}}").error())
                .isEqualTo("too long");
    }

    @Test
    void refusesAnAnswerWithoutATask() {
        assertThatThrownBy(() -> read("[]")).isInstanceOf(IttybitException.class);
        assertThatThrownBy(() -> read("{\"status\":\"completed\"}")).isInstanceOf(IttybitException.class)
                .hasMessageContaining("without an id");
    }

    @Test
    void readsRetryAfterInSecondsOrAsADate() {
        assertThat(IttybitClient.retryAfter("7")).hasValue(Duration.ofSeconds(7));
        assertThat(IttybitClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).hasValue(Duration.ZERO);
        assertThat(IttybitClient.retryAfter("soon")).isEmpty();
        assertThat(IttybitClient.retryAfter(null)).isEmpty();
    }

    /** RFC 9110 has recipients accept the obsolete date forms too; a sign or a fraction is not delay-seconds. */
    @Test
    void readsRetryAfterInEveryHttpDateFormAndRefusesSignedSeconds() {
        java.time.ZonedDateTime soon = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(30)
                .withNano(0);
        for (String form : List.of("EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'",
                "EEE MMM ppd HH:mm:ss yyyy")) {
            String date = java.time.format.DateTimeFormatter.ofPattern(form, java.util.Locale.US).format(soon);
            assertThat(IttybitClient.retryAfter(date)).as(date).hasValueSatisfying(wait -> assertThat(wait)
                    .isBetween(Duration.ofSeconds(25), Duration.ofSeconds(30)));
        }
        assertThat(IttybitClient.retryAfter("Sunday, 06-Nov-94 08:49:37 GMT")).as("in the past").hasValue(Duration.ZERO);
        assertThat(IttybitClient.retryAfter("Sun Nov  6 08:49:37 1994")).as("in the past").hasValue(Duration.ZERO);
        assertThat(IttybitClient.retryAfter("-5")).isEmpty();
        assertThat(IttybitClient.retryAfter("+5")).isEmpty();
        assertThat(IttybitClient.askedToWait(503, "-1")).as("an ordinary failure").isEmpty();
    }

    @Test
    void readsAHugeRetryAfterAsADayAtMost() {
        assertThat(IttybitClient.retryAfter("9223372036854775807")).hasValue(Duration.ofDays(1));
        assertThat(IttybitClient.retryAfter("99999999999999999999")).hasValue(Duration.ofDays(1));
        assertThat(IttybitClient.retryAfter("Fri, 31 Dec 9999 23:59:59 GMT")).hasValue(Duration.ofDays(1));
    }

    @Test
    void aRateLimitWithoutAWaitItCanReadWaitsASecondAndOnlyA503NamingOneIsAWait() {
        assertThat(IttybitClient.askedToWait(429, null)).hasValue(IttybitClient.UNNAMED_WAIT);
        assertThat(IttybitClient.askedToWait(429, "1.5")).hasValue(IttybitClient.UNNAMED_WAIT);
        assertThat(IttybitClient.askedToWait(429, "4")).hasValue(Duration.ofSeconds(4));
        assertThat(IttybitClient.askedToWait(503, "4")).hasValue(Duration.ofSeconds(4));
        assertThat(IttybitClient.askedToWait(503, null)).as("an ordinary failure").isEmpty();
        assertThat(IttybitClient.askedToWait(500, "4")).isEmpty();
    }
}
