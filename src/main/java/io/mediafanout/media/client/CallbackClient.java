package io.mediafanout.media.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import io.netty.handler.codec.TooLongFrameException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.mutiny.core.Vertx;

/**
 * POSTs a callback to an app's URL, connecting to the address the caller checked (not to whatever the name resolves
 * to by then), with TLS verified against the URL's host. Never follows redirects.
 * <p>
 * Bounded whatever the receiver does: the whole exchange (connecting, TLS, sending the body, receiving the status line
 * and headers) has a hard deadline of {@code timeout} from the call, not an idle timeout that every trickled byte
 * resets. The answer is the status line and headers alone (at most {@value #MAX_INITIAL_LINE} and
 * {@value #MAX_HEADERS} bytes, more fails the call): the body is never read, and the connection is closed as soon as
 * the headers are in, on the deadline, or when the subscriber cancels. It is closed with a reset (SO_LINGER 0), so
 * no data still unsent or unread keeps a socket in the kernel either. On the deadline the call fails with a
 * {@link TimeoutException} saying the receiver did not answer within the timeout.
 */
@Singleton
public class CallbackClient {

    /** What the receiver answered: its status, and its {@code Retry-After} in seconds when it sent one. */
    public record Answer(int status, String retryAfter) {
    }

    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADERS = 8192;

    private final io.vertx.core.Vertx vertx;
    /**
     * A client per timeout (in practice one: {@code MEDIA_CALLBACKS_TIMEOUT}), so that the timeout also bounds the TCP
     * connect and the TLS handshake of a connection still being made when the deadline passes.
     */
    private final Map<Duration, HttpClient> clients = new ConcurrentHashMap<>();

    public CallbackClient(Vertx vertx) {
        this.vertx = vertx.getDelegate();
    }

    public Uni<Answer> post(URI url, InetAddress address, Map<String, String> headers, String body, Duration timeout) {
        int port = url.getPort() != -1 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
                .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress())).setFollowRedirects(false);
        headers.forEach(options::putHeader);
        HttpClient client = clients.computeIfAbsent(timeout, this::client);
        return Uni.createFrom().emitter(answer -> {
            // the headers, a failure, the deadline or a cancellation ends the call, whichever comes first (the emitter
            // takes the first); the connection is closed then, or as soon as it exists if that is later
            long end = System.nanoTime() + timeout.toNanos();
            Supplier<Exception> late = () -> new TimeoutException("the receiver did not answer within "
                    + describe(timeout));
            AtomicBoolean over = new AtomicBoolean();
            AtomicReference<HttpConnection> connection = new AtomicReference<>();
            long deadline = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> answer.fail(late.get()));
            answer.onTermination(() -> {
                over.set(true);
                vertx.cancelTimer(deadline);
                close(connection.get());
            });
            client.request(options).compose(request -> {
                // failures reach the call through the request: the connection logs none of its own
                connection.set(request.connection().exceptionHandler(ignored -> { }));
                if (over.get()) {
                    close(connection.get());
                    return Future.failedFuture("the call is over");
                }
                return request.send(Buffer.buffer(body));
            }).onComplete(result -> {
                if (result.succeeded()) {
                    // the headers are the answer: close before the body (whose end by the close is no error)
                    HttpClientResponse response = result.result().exceptionHandler(ignored -> { });
                    close(connection.get());
                    answer.complete(new Answer(response.statusCode(), response.getHeader("Retry-After")));
                } else {
                    // connecting or the TLS handshake timed out by the client's limits (the timeout) is the deadline
                    answer.fail(System.nanoTime() - end >= 0 ? late.get() : reason(result.cause()));
                }
            });
        });
    }

    private HttpClient client(Duration timeout) {
        int millis = (int) Math.max(1, Math.min(timeout.toMillis(), Integer.MAX_VALUE));
        return vertx.createHttpClient(new HttpClientOptions().setForceSni(true).setVerifyHost(true)
                .setKeepAlive(false).setMaxRedirects(0).setSoLinger(0)
                .setMaxInitialLineLength(MAX_INITIAL_LINE).setMaxHeaderSize(MAX_HEADERS)
                .setConnectTimeout(millis).setSslHandshakeTimeout(millis)
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS));
    }

    /** Vert.x's failure, or a clearer one for an over-long status line or header block. */
    private static Throwable reason(Throwable failure) {
        return failure instanceof TooLongFrameException ? new IOException("the receiver's status line or headers are "
                + "too long (limits: " + MAX_INITIAL_LINE + " and " + MAX_HEADERS + " bytes): " + failure.getMessage(),
                failure) : failure;
    }

    private static void close(HttpConnection connection) {
        if (connection != null) {
            connection.close();
        }
    }

    public static String describe(Duration timeout) {
        return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
    }

    @PreDestroy
    void close() {
        clients.values().forEach(HttpClient::close);
    }
}
