package io.mediafanout.media.client;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;

/**
 * POSTs a callback to an app's URL, connecting to the address the caller checked (not to whatever the name resolves
 * to by then), with TLS verified against the URL's host. Never follows redirects; reads at most the status.
 */
@Singleton
public class CallbackClient {

    /** What the receiver answered: its status, and its {@code Retry-After} in seconds when it sent one. */
    public record Answer(int status, String retryAfter) {
    }

    private final HttpClient client;

    public CallbackClient(Vertx vertx) {
        this.client = vertx.createHttpClient(new HttpClientOptions().setForceSni(true).setVerifyHost(true)
                .setKeepAlive(false).setMaxRedirects(0));
    }

    public Uni<Answer> post(URI url, InetAddress address, Map<String, String> headers, String body, Duration timeout) {
        int port = url.getPort() != -1 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
                .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                .setConnectTimeout(timeout.toMillis()).setTimeout(timeout.toMillis()).setFollowRedirects(false);
        headers.forEach(request::putHeader);
        return client.request(request)
                .chain(call -> call.send(Buffer.buffer(body)))
                .chain(response -> response.end().onFailure().recoverWithNull()
                        .replaceWith(new Answer(response.statusCode(), response.getHeader("Retry-After"))));
    }

    @PreDestroy
    void close() {
        client.closeAndForget();
    }
}
