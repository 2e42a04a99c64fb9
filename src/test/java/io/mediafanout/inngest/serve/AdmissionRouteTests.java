package io.mediafanout.inngest.serve;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.Test;

import io.mediafanout.inngest.CloudServeProfile;
import io.mediafanout.inngest.auth.Signatures;
import io.mediafanout.testing.Transcript;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Admission at the serve endpoint, over raw sockets, with one call and one queued call allowed: a call whose body has
 * not arrived holds the only share until the body timeout (6 s) answers it 408; the next call waits, body unread, and is
 * answered 503 with {@code Retry-After} when its wait passes the limit; a third finds the queue full and gets 503 at
 * once; once they are gone a call goes through. In cloud mode: every call is signed, so that it gets past the header
 * check that comes before admission.
 */
@QuarkusTest
@TestProfile(CloudServeProfile.class)
class AdmissionRouteTests {

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @Test
    void callsPastTheLimitsWaitThenGet503AndASlowBodyGets408() throws Exception {
        Transcript discovery = Transcript.load("02-A-post-discovery-no-state.json");
        byte[] body = new JsonCanonicalizer(discovery.requestBody()).getEncodedUTF8();
        String target = "/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step";
        long start = System.nanoTime();
        try (Socket slow = open(); Socket queued = open(); Socket refused = open()) {
            // the only share: headers announce a body that never comes
            write(slow, headers(target, body));
            awaitGauge("inngest_admission_calls", 1);
            long queuedAt = System.nanoTime();
            write(queued, headers(target, body));
            write(queued, body);
            awaitGauge("inngest_admission_queued", 1);
            long refusedAt = System.nanoTime();
            write(refused, headers(target, body));
            write(refused, body);

            String full = read(refused);
            assertThat(full).startsWith("HTTP/1.1 503").containsIgnoringCase("retry-after: 5")
                    .containsIgnoringCase("x-inngest-no-retry: false").contains("too many calls are waiting");
            assertThat(elapsedMillis(refusedAt)).as("refused at once").isLessThan(1_500);

            String waited = read(queued);
            assertThat(waited).startsWith("HTTP/1.1 503").contains("waited 2 s for admission");
            // the queued call's 2 s end while the slow one still holds the share, however long the gauges took to
            // show (up to 4 s of the slow body's 6)
            assertThat(elapsedMillis(queuedAt)).isBetween(1_900L, 5_900L);

            String timedOut = read(slow);
            assertThat(timedOut).startsWith("HTTP/1.1 408").contains("not received within 6 s");
            assertThat(elapsedMillis(start)).isBetween(5_900L, 10_000L);
        }
        given().contentType("application/json").header("X-Inngest-Signature", signature(body)).body(body).post(target)
                .then().statusCode(206);
        given().get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("inngest_admission_refused_total 2.0"))
                .body(org.hamcrest.Matchers.containsString("inngest_admission_calls 0.0"));
    }

    /** Waits until the service's gauge shows {@code value}: the call before is admitted, or queued. */
    private static void awaitGauge(String name, int value) throws InterruptedException {
        String sample = name + " " + value + ".0";
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!given().get("/q/metrics").then().statusCode(200).extract().asString().lines().anyMatch(sample::equals)) {
            assertThat(System.nanoTime()).as(sample).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private Socket open() throws IOException {
        Socket socket = new Socket("127.0.0.1", serveUrl.getPort());
        socket.setSoTimeout(15_000);
        return socket;
    }

    private static String signature(byte[] body) {
        return Signatures.header(CloudServeProfile.CURRENT_KEY, body, System.currentTimeMillis() / 1000);
    }

    /** The request line and headers of a signed call with {@code body}. */
    private static byte[] headers(String target, byte[] body) {
        return ("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\nX-Inngest-Signature: " + signature(body) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static void write(Socket socket, byte[] bytes) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    /** The whole answer: the service closes these connections after answering. */
    private static String read(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        for (int n; (n = in.read(buffer)) > 0;) {
            answer.write(buffer, 0, n);
        }
        return answer.toString(StandardCharsets.UTF_8);
    }

    private static long elapsedMillis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
