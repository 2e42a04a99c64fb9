package io.mediafanout.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class FreePortsTests {

    @Test
    void portsComeOnceEachFromTheForksBlockBelowTheEphemeralRange() throws IOException {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            ports.add(FreePorts.next());
        }
        int base = FreePorts.blockStart();
        assertThat(ports).hasSize(50).allSatisfy(port -> assertThat(port).isBetween(base, base + FreePorts.BLOCK - 1)
                .isLessThan(ephemeralRangeStart()));
    }

    @Test
    void aPortSomethingHoldsIsSkipped() throws IOException {
        int port = FreePorts.next();
        try (ServerSocket first = new ServerSocket(); ServerSocket second = new ServerSocket()) {
            assumeTrue(bind(first, following(port)) && bind(second, following(following(port))),
                    "the two ports after " + port + " are free to hold");

            assertThat(FreePorts.next()).isEqualTo(following(following(following(port))));
        }
    }

    /** The port after {@code port} in the block. */
    private static int following(int port) {
        int base = FreePorts.blockStart();
        return base + (port - base + 1) % FreePorts.BLOCK;
    }

    private static boolean bind(ServerSocket socket, int port) {
        try {
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of the kernel's ephemeral range (read as a stream: JDK 17's readString sees one byte of it). */
    private static int ephemeralRangeStart() throws IOException {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (!Files.exists(range)) {
            return 32768;
        }
        try (InputStream in = Files.newInputStream(range)) {
            return Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+")[0]);
        }
    }
}
