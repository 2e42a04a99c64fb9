package io.mediafanout.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers that bind a port chosen before they start: the packaged jar (it binds seconds after its launch,
 * and again on the same port when restarted) and the Quarkus test application on a fixed port.
 * <p>
 * Not from the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}, 32768-60999 by default), where
 * {@code new ServerSocket(0)} finds its free ports: every outgoing connection of every process takes its local port
 * from that range too, so a port found free there can be taken before the server binds it (seen with three IT forks:
 * "Port … seems to be in use"). Instead each test JVM takes ports in turn from a block of its own below that range,
 * by its fork number ({@code test.fork}, set by surefire and failsafe, see the pom), skipping any port that something
 * holds. Each test profile loads the test classes anew (a class loader per profile), so where this JVM is in its block
 * is kept in a system property: every copy of this class hands out the next port.
 */
public final class FreePorts {

    static final int FIRST = 20_000;
    static final int BLOCK = 1_000;
    /** Blocks below 32768: fork numbers beyond share a block, each still skipping ports in use. */
    static final int BLOCKS = 12;

    private static final String NEXT = "test.ports.next";

    private FreePorts() {
    }

    /** A port nothing holds now, in this JVM's block, not handed out before by this JVM (until the block wraps). */
    public static int next() {
        int base = blockStart();
        Properties jvm = System.getProperties();
        synchronized (jvm) {
            // a JVM starts at a random place in its block: apart from another build's JVM of the same fork number
            String start = Integer.toString(ThreadLocalRandom.current().nextInt(BLOCK));
            int next = Integer.parseInt(jvm.getProperty(NEXT, start));
            try {
                for (int tried = 0; tried < BLOCK; tried++) {
                    int port = base + next++ % BLOCK;
                    if (bindable(port)) {
                        return port;
                    }
                }
                throw new IllegalStateException("no free port in " + base + "-" + (base + BLOCK - 1));
            } finally {
                jvm.setProperty(NEXT, Integer.toString(next % BLOCK));
            }
        }
    }

    /**
     * The first port of this JVM's block: by its fork number, or, where the build does not pass one (failsafe leaves
     * {@code ${surefire.forkNumber}} empty), by its process id: two forks started together have consecutive ids.
     */
    static int blockStart() {
        Integer fork = Integer.getInteger("test.fork");
        long slot = fork != null ? fork - 1 : ProcessHandle.current().pid();
        return FIRST + (int) (slot % BLOCKS) * BLOCK;
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
