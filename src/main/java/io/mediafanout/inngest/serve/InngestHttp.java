package io.mediafanout.inngest.serve;

import java.util.Map;
import java.util.Optional;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import io.mediafanout.inngest.InngestEnvironment;
import io.mediafanout.inngest.auth.Signatures;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;

/**
 * Outbound HTTP of the SDK (Inngest API and event API), non-blocking. Calls to the API carry the hashed signing key
 * and are repeated once with the fallback key on 401/403, as the official SDKs do.
 */
@Singleton
public class InngestHttp {

    /** A response: status and body text. */
    public record Reply(int status, String body, Map<String, String> headers) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private final WebClient client;
    private final InngestEnvironment environment;
    private final long timeoutMillis;

    public InngestHttp(Vertx vertx, InngestEnvironment environment) {
        this.environment = environment;
        this.timeoutMillis = environment.config().http().timeout().toMillis();
        this.client = WebClient.create(vertx, new WebClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .setMaxPoolSize(Math.max(1, environment.config().http().maxConnections()))
                .setUserAgent(InngestEnvironment.SDK)
                .setFollowRedirects(false));
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /** Joins a base URL and a path without doubling or dropping the slash. */
    public static String join(String base, String path) {
        String b = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        return b + (path.startsWith("/") ? path : "/" + path);
    }

    /** A call to the Inngest API, authenticated with the hashed signing key (fallback key on 401/403). */
    public Uni<Reply> api(HttpMethod method, String path, Map<String, String> query, Map<String, String> headers,
            Buffer body) {
        Optional<String> key = environment.signingKey();
        Optional<String> fallback = environment.signingKeyFallback();
        return send(method, join(environment.apiBaseUrl(), path), query, headers, body, key)
                .chain(reply -> (reply.status() == 401 || reply.status() == 403) && fallback.isPresent()
                        ? send(method, join(environment.apiBaseUrl(), path), query, headers, body, fallback)
                        : Uni.createFrom().item(reply));
    }

    /** A call to an absolute URL without API authentication (the event API). */
    public Uni<Reply> plain(HttpMethod method, String url, Map<String, String> headers, Buffer body) {
        return send(method, url, Map.of(), headers, body, Optional.empty());
    }

    private Uni<Reply> send(HttpMethod method, String url, Map<String, String> query, Map<String, String> headers,
            Buffer body, Optional<String> signingKey) {
        HttpRequest<Buffer> request = client.requestAbs(method, url).timeout(timeoutMillis);
        query.forEach(request::addQueryParam);
        request.putHeader("Content-Type", "application/json");
        request.putHeader("X-Inngest-SDK", InngestEnvironment.SDK);
        environment.env().ifPresent(env -> request.putHeader("X-Inngest-Env", env));
        headers.forEach(request::putHeader);
        signingKey.ifPresent(key -> request.putHeader("Authorization", "Bearer " + Signatures.hashedKey(key)));
        Uni<HttpResponse<Buffer>> response = body == null ? request.send() : request.sendBuffer(body);
        return response.map(r -> {
            Map<String, String> replyHeaders = new java.util.HashMap<>();
            r.headers().forEach(h -> replyHeaders.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
            return new Reply(r.statusCode(), r.bodyAsString() == null ? "" : r.bodyAsString(), replyHeaders);
        });
    }
}
