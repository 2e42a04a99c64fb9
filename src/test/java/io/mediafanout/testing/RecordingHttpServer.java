package io.mediafanout.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on 127.0.0.1 for fakes of external services: routes by method and path prefix, and records
 * every request it received.
 */
public class RecordingHttpServer implements AutoCloseable {

    /** A received request. Header names are lower case. */
    public record Recorded(String method, String path, String query, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase());
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    /** An answer. */
    public record Reply(int status, String body, Map<String, String> headers) {
        public static Reply json(int status, String body) {
            return new Reply(status, body, Map.of("Content-Type", "application/json"));
        }
    }

    @FunctionalInterface
    public interface Handler {
        Reply handle(Recorded request) throws Exception;
    }

    private record Route(String method, String prefix, Handler handler) {
    }

    private final HttpServer server;
    private final List<Route> routes = new CopyOnWriteArrayList<>();
    private final List<Recorded> received = new CopyOnWriteArrayList<>();

    public RecordingHttpServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::dispatch);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Adds a route; later routes win over earlier ones for the same request. */
    public RecordingHttpServer route(String method, String pathPrefix, Handler handler) {
        routes.add(0, new Route(method, pathPrefix, handler));
        return this;
    }

    public List<Recorded> received() {
        return new ArrayList<>(received);
    }

    public List<Recorded> received(Predicate<Recorded> filter) {
        return received.stream().filter(filter).toList();
    }

    public void clearRoutes() {
        routes.clear();
    }

    public void clearRecords() {
        received.clear();
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, List<String>> headers = new java.util.HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v));
            Recorded request = new Recorded(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getRawQuery(), headers, body);
            received.add(request);
            Reply reply = Reply.json(404, "{\"error\":\"no route\"}");
            for (Route route : routes) {
                if (route.method().equalsIgnoreCase(request.method()) && request.path().startsWith(route.prefix())) {
                    reply = route.handler().handle(request);
                    break;
                }
            }
            if (reply == null) {
                // a connection that breaks mid-answer: announce 1000 bytes, send 10, close
                exchange.sendResponseHeaders(200, 1000);
                exchange.getResponseBody().write("{\"id\":\"tas".getBytes(StandardCharsets.UTF_8));
                exchange.getResponseBody().flush();
                return;
            }
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] bytes = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (Exception e) {
            exchange.sendResponseHeaders(500, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
