package io.mediafanout.media.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.mutiny.core.Vertx;

/**
 * The callback client against real receivers on 127.0.0.1 (a {@link ServerSocket} writing raw HTTP): whatever a
 * receiver does, a call ends by its deadline and leaves no connection open.
 */
class CallbackClientTests {

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final Duration TIMEOUT = Duration.ofSeconds(3);
    /**
     * How late after its deadline a call may be seen to fail on a loaded machine: still far from the receivers' 60 s
     * trickles and from never.
     */
    static final long SLACK_MILLIS = 5_000;

    static Vertx vertx;
    static CallbackClient client;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        client = new CallbackClient(vertx);
        // a first call (refused: nothing listens on port 1) loads the classes, so that timings measure calls only
        client.post(URI.create("http://127.0.0.1:1/"), LOOPBACK, Map.of(), "", Duration.ofSeconds(1))
                .onFailure().recoverWithNull().await().atMost(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        client.close();
        vertx.closeAndAwait();
    }

    @Test
    void answersOnceTheHeadersAreInAndClosesWithoutReadingATrickledBody() throws Exception {
        try (Receiver receiver = new Receiver(0, (in, out) -> {
            readHead(in);
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n"));
            trickle(out, "x".repeat(300)); // 60 s
        })) {
            long start = System.nanoTime();
            CallbackClient.Answer answer = post(receiver, "{}", TIMEOUT);
            long answered = System.nanoTime();

            assertThat(answer).isEqualTo(new CallbackClient.Answer(200, null));
            // orderings, not timings: answered before the deadline (the body alone takes 60 s), and the connection
            // closed before a deadline more had passed, long before the body's end
            assertThat(millisBetween(start, answered)).as("answered before the deadline").isLessThan(TIMEOUT.toMillis());
            assertThat(millisBetween(answered, receiver.closedAt())).as("closed, not read to the end")
                    .isLessThan(TIMEOUT.toMillis());
        }
    }

    @Test
    void failsAtTheDeadlineWhenTheStatusLineAndHeadersTrickle() throws Exception {
        try (Receiver receiver = new Receiver(0, (in, out) -> {
            readHead(in);
            trickle(out, "HTTP/1.1 200 OK\r\nX-Slow: " + "y".repeat(300) + "\r\n\r\n");
        })) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> post(receiver, "{}", TIMEOUT))
                    .hasMessageContaining("the receiver did not answer within 3 s");
            long failed = System.nanoTime();

            assertThat(millisBetween(start, failed)).isBetween(TIMEOUT.toMillis(), TIMEOUT.toMillis() + SLACK_MILLIS);
            assertThat(millisBetween(failed, receiver.closedAt())).as("closed when the call failed, not left open")
                    .isLessThan(TIMEOUT.toMillis());
        }
    }

    @Test
    void failsAtTheDeadlineWhenTheReceiverNeverAnswers() throws Exception {
        Duration timeout = Duration.ofMillis(1500);
        try (Receiver receiver = new Receiver(0, (in, out) -> {
            readHead(in);
            drain(in);
        })) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> post(receiver, "{}", timeout))
                    .hasMessageContaining("the receiver did not answer within 1500 ms");
            long failed = System.nanoTime();

            assertThat(millisBetween(start, failed)).isBetween(timeout.toMillis(), timeout.toMillis() + SLACK_MILLIS);
            assertThat(millisBetween(failed, receiver.closedAt())).as("closed when the call failed, not left open")
                    .isLessThan(timeout.toMillis());
        }
    }

    @Test
    void failsAtTheDeadlineWhenTheTlsHandshakeNeverEnds() throws Exception {
        Duration timeout = Duration.ofMillis(1500);
        try (Receiver receiver = new Receiver(0, (in, out) -> drain(in))) { // reads the ClientHello, answers nothing
            URI url = URI.create("https://receiver.example:" + receiver.port() + "/callback");
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.post(url, LOOPBACK, Map.of(), "{}", timeout).await()
                    .atMost(Duration.ofSeconds(30))).hasMessageContaining("the receiver did not answer within 1500 ms");
            long failed = System.nanoTime();

            assertThat(millisBetween(start, failed)).isBetween(timeout.toMillis(), timeout.toMillis() + SLACK_MILLIS);
            // a connection still being made at the deadline is closed by the client's own connect and TLS handshake
            // limits (the timeout too), soon after the deadline
            assertThat(millisBetween(failed, receiver.closedAt())).isLessThan(timeout.toMillis());
        }
    }

    @Test
    void failsAtTheDeadlineWhenTheReceiverNeverReadsALargeBody() throws Exception {
        Duration timeout = Duration.ofMillis(1500);
        try (Receiver receiver = new Receiver(4096, (in, out) -> {
            sleep(timeout.toMillis() + 500); // reads nothing until the call is over
            drain(in);
        })) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> post(receiver, "z".repeat(2 * 1024 * 1024), timeout))
                    .hasMessageContaining("the receiver did not answer within 1500 ms");
            long failed = System.nanoTime();

            assertThat(millisBetween(start, failed)).isBetween(timeout.toMillis(), timeout.toMillis() + SLACK_MILLIS);
            assertThat(millisBetween(failed, receiver.closedAt())).isLessThan(2000);
        }
    }

    @Test
    void aCancellingSubscriberClosesTheConnection() throws Exception {
        try (Receiver receiver = new Receiver(0, (in, out) -> {
            readHead(in);
            drain(in);
        })) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.post(receiver.url(), LOOPBACK, Map.of(), "{}", Duration.ofSeconds(30))
                    .ifNoItem().after(Duration.ofMillis(500)).fail().await().atMost(Duration.ofSeconds(10)))
                    .isInstanceOf(io.smallrye.mutiny.TimeoutException.class);

            // the 30 s call is cut when its subscriber gives up after 500 ms, not at its own timeout
            assertThat(millisBetween(start, receiver.closedAt())).isLessThan(SLACK_MILLIS);
        }
    }

    @Test
    void returnsTheStatusAndRetryAfterOfA429() throws Exception {
        try (Receiver receiver = new Receiver(0, (in, out) -> {
            readHead(in);
            out.write(ascii("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n"));
            drain(in);
        })) {
            assertThat(post(receiver, "{}", TIMEOUT)).isEqualTo(new CallbackClient.Answer(429, "7"));
        }
    }

    @Test
    void sendsTheBodyAndHeadersToTheCheckedAddress() throws Exception {
        CompletableFuture<String> request = new CompletableFuture<>();
        try (Receiver receiver = new Receiver(0, (in, out) -> {
            String head = readHead(in);
            byte[] body = in.readNBytes(12);
            request.complete(head + new String(body, StandardCharsets.UTF_8));
            out.write(ascii("HTTP/1.1 204 No Content\r\n\r\n"));
            drain(in);
        })) {
            URI url = URI.create("http://receiver.example:" + receiver.port() + "/hooks/media?x=1");
            CallbackClient.Answer answer = client.post(url, LOOPBACK, Map.of("X-Signature", "t=1,v1=ab"),
                    "{\"id\":\"d-1\"}", TIMEOUT).await().atMost(Duration.ofSeconds(10));

            assertThat(answer).isEqualTo(new CallbackClient.Answer(204, null));
            assertThat(request.get(5, TimeUnit.SECONDS)).startsWith("POST /hooks/media?x=1 HTTP/1.1\r\n")
                    .containsIgnoringCase("host: receiver.example:" + receiver.port() + "\r\n")
                    .contains("X-Signature: t=1,v1=ab\r\n").endsWith("\r\n\r\n{\"id\":\"d-1\"}");
        }
    }

    @Test
    void failsFastOnAHeaderBlockOverTheLimit() throws Exception {
        try (Receiver receiver = new Receiver(0, (in, out) -> {
            readHead(in);
            out.write(ascii("HTTP/1.1 200 OK\r\n"));
            for (int i = 0; i < 100; i++) {
                out.write(ascii("X-Filler-" + i + ": " + "f".repeat(200) + "\r\n"));
            }
            out.write(ascii("\r\n"));
            drain(in);
        })) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> post(receiver, "{}", TIMEOUT)).hasMessageContaining("headers are too long");
            long failed = System.nanoTime();

            assertThat(millisBetween(start, failed)).as("failed before the deadline").isLessThan(TIMEOUT.toMillis());
            assertThat(millisBetween(failed, receiver.closedAt())).as("closed when the call failed, not left open")
                    .isLessThan(TIMEOUT.toMillis());
        }
    }

    static CallbackClient.Answer post(Receiver receiver, String body, Duration timeout) {
        return client.post(receiver.url(), LOOPBACK, Map.of("Content-Type", "application/json"), body, timeout)
                .await().atMost(Duration.ofSeconds(30));
    }

    static long millisBetween(long startNanos, long endNanos) {
        return TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos);
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads the request line and headers, up to the empty line. */
    static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int b = in.read();
            if (b == -1) {
                throw new IOException("closed before the end of the headers");
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** Writes {@code text} one byte every 200 ms. */
    static void trickle(OutputStream out, String text) throws IOException {
        for (byte b : ascii(text)) {
            out.write(b);
            out.flush();
            sleep(200);
        }
    }

    /** Reads until the client closes the connection (end of stream or a reset, which ends in an IOException). */
    static void drain(InputStream in) throws IOException {
        while (in.read(new byte[8192]) != -1) {
            // discard
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    interface Script {
        void run(InputStream in, OutputStream out) throws IOException;
    }

    /**
     * A receiver accepting one connection and running a script on it; {@link #closedAt} is when it found the connection
     * closed by the client (reading its end, or failing to read or write).
     */
    static final class Receiver implements AutoCloseable {

        private final ServerSocket server = new ServerSocket();
        private final CompletableFuture<Long> closed = new CompletableFuture<>();
        private final Thread thread;

        /** {@code receiveBuffer}: the accepted connection's receive buffer in bytes, 0 for the default. */
        Receiver(int receiveBuffer, Script script) throws IOException {
            if (receiveBuffer > 0) {
                server.setReceiveBufferSize(receiveBuffer);
            }
            server.bind(new InetSocketAddress(LOOPBACK, 0));
            thread = new Thread(() -> {
                try (Socket socket = server.accept()) {
                    script.run(socket.getInputStream(), socket.getOutputStream());
                    closed.complete(System.nanoTime()); // drained to the end of the stream
                } catch (IOException e) {
                    closed.complete(System.nanoTime());
                } catch (RuntimeException e) {
                    closed.completeExceptionally(e);
                }
            }, "receiver-" + port());
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + port() + "/callback");
        }

        /** When the receiver found its connection closed (System.nanoTime()); fails after 10 s. */
        long closedAt() throws Exception {
            return closed.get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws IOException {
            thread.interrupt();
            server.close();
        }
    }
}
