package io.mediafanout.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * What a Kubernetes Service does in front of the replicas, as a real HTTP server on 127.0.0.1: each request goes to
 * the next replica in turn; one that refuses the connection (killed, restarting) is skipped. A request cut while a
 * replica handled it is cut for the client too (its connection is closed without an answer), as Inngest sees a pod
 * die mid-call.
 * <p>
 * {@link #service(List)} is closer still: its endpoints change as Kubernetes changes them ({@link #leave} keeps a
 * terminating replica in rotation for the endpoint lag, {@link #join} puts a ready one back), and a replica in rotation
 * that refuses a connection is a failed call for the client, as a Service's clients see it (kube-proxy does not try
 * another pod); {@link #refused()}, {@link #cut()} and {@link #serverErrors()} count what clients saw.
 */
public final class RoundRobinProxy implements AutoCloseable {

    private static final Set<String> HOP_HEADERS = Set.of("connection", "content-length", "host", "transfer-encoding",
            "keep-alive", "upgrade", "expect", "te", "trailer");

    private final List<Integer> ports;
    private final boolean strict;
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger cut = new AtomicInteger();
    private final AtomicInteger serverErrors = new AtomicInteger();
    private final AtomicInteger closing = new AtomicInteger();
    private final java.util.concurrent.ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "round-robin-proxy-endpoints");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger next = new AtomicInteger();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "round-robin-proxy");
        t.setDaemon(true);
        return t;
    });
    private final HttpServer server;

    public RoundRobinProxy(List<Integer> ports) throws IOException {
        this(ports, false);
    }

    /** A Service whose endpoints follow {@link #leave} and {@link #join}, refused connections failing the call. */
    public static RoundRobinProxy service(List<Integer> ports) throws IOException {
        return new RoundRobinProxy(ports, true);
    }

    private RoundRobinProxy(List<Integer> ports, boolean strict) throws IOException {
        this.ports = new java.util.concurrent.CopyOnWriteArrayList<>(ports);
        this.strict = strict;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.setExecutor(threads);
        server.createContext("/", this::forward);
        server.start();
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /**
     * The replica on {@code port} is terminating: it stays in rotation for {@code lag} (Kubernetes' endpoints take
     * that long to drop it everywhere), then leaves it.
     */
    public void leave(int port, Duration lag) {
        timers.schedule(() -> ports.remove(Integer.valueOf(port)), lag.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** The replica on {@code port} is ready: back in rotation. */
    public void join(int port) {
        if (!ports.contains(port)) {
            ports.add(port);
        }
    }

    /** Calls a replica in rotation refused (strict mode only). */
    public int refused() {
        return refused.get();
    }

    /** Calls cut without an answer (the replica closed or reset the connection). */
    public int cut() {
        return cut.get();
    }

    /** Answers that closed their keep-alive connection ({@code Connection: close}), e.g. from a draining replica. */
    public int closingAnswers() {
        return closing.get();
    }

    /** Calls answered with a 5xx. */
    public int serverErrors() {
        return serverErrors.get();
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            List<Integer> ports = List.copyOf(this.ports);
            if (ports.isEmpty()) {
                refused.incrementAndGet();
                return;
            }
            int first = Math.floorMod(next.getAndIncrement(), ports.size());
            for (int i = 0; i < ports.size(); i++) {
                int port = ports.get((first + i) % ports.size());
                HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + exchange.getRequestURI()))
                        .timeout(Duration.ofMinutes(5))
                        .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
                exchange.getRequestHeaders().forEach((name, values) -> {
                    if (!HOP_HEADERS.contains(name.toLowerCase())) {
                        values.forEach(v -> request.header(name, v));
                    }
                });
                HttpResponse<byte[]> response;
                try {
                    response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                } catch (java.net.ConnectException e) {
                    if (strict) {
                        refused.incrementAndGet();
                        return; // a Service's client sees the refusal
                    }
                    continue; // that replica is down: the next one
                } catch (IOException e) {
                    cut.incrementAndGet();
                    return; // the replica died during the call: the client's connection is closed unanswered
                }
                if (response.statusCode() >= 500) {
                    serverErrors.incrementAndGet();
                }
                if (response.headers().firstValue("connection").filter("close"::equalsIgnoreCase).isPresent()) {
                    closing.incrementAndGet();
                }
                response.headers().map().forEach((name, values) -> {
                    if (!HOP_HEADERS.contains(name.toLowerCase()) && !name.startsWith(":")) {
                        exchange.getResponseHeaders().put(name, values);
                    }
                });
                byte[] answer = response.body();
                exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
                return;
            }
            // no replica at all: the connection is closed unanswered, as a Service without endpoints refuses it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        timers.shutdownNow();
    }
}
