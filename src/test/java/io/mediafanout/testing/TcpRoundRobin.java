package io.mediafanout.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Kubernetes Service as kube-proxy makes it, on 127.0.0.1: each TCP connection goes to the next replica in turn and
 * its bytes are copied both ways, nothing parsed (L4). Requests on one keep-alive connection stay on one replica, as
 * they do behind a Service. A replica that refuses the connection is skipped.
 * <p>
 * The benchmark's capacity parts use it in front of their replicas: it costs the load generator a copy per direction
 * where {@link RoundRobinProxy} (which sees each request, to count what clients saw) parses and sends each one again.
 */
public final class TcpRoundRobin implements AutoCloseable {

    private static final int BUFFER = 64 * 1024;

    private final List<Integer> ports;
    private final AtomicInteger next = new AtomicInteger();
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tcp-round-robin");
        t.setDaemon(true);
        return t;
    });

    public TcpRoundRobin(List<Integer> ports) throws IOException {
        this.ports = List.copyOf(ports);
        server = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            threads.execute(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        int first = Math.floorMod(next.getAndIncrement(), ports.size());
        for (int i = 0; i < ports.size(); i++) {
            Socket replica = new Socket();
            try {
                replica.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.get((first + i) % ports.size())),
                        2_000);
            } catch (IOException refused) {
                closeQuietly(replica);
                continue; // that replica is down: the next one
            }
            try {
                client.setTcpNoDelay(true);
                replica.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(replica);
                return;
            }
            open.add(client);
            open.add(replica);
            AtomicInteger directions = new AtomicInteger(2);
            threads.execute(() -> copy(replica, client, directions));
            copy(client, replica, directions);
            return;
        }
        closeQuietly(client); // no replica at all: refused, as a Service without endpoints
    }

    /** Copies {@code from} to {@code to} until {@code from} ends; the last direction to end closes both sockets. */
    private void copy(Socket from, Socket to, AtomicInteger directions) {
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
            to.shutdownOutput(); // the peer's end of the stream, passed on
        } catch (IOException e) {
            // reset or closed on either side: both sockets end
            closeQuietly(from);
            closeQuietly(to);
        } finally {
            if (directions.decrementAndGet() == 0) {
                closeQuietly(from);
                closeQuietly(to);
            }
        }
    }

    private void closeQuietly(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        open.forEach(this::closeQuietly);
        threads.shutdownNow();
    }
}
