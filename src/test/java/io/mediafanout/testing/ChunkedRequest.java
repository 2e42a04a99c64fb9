package io.mediafanout.testing;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A request whose JSON body is sent chunked (no {@code Content-Length}), 8 KiB a chunk, over a raw socket: what a
 * client does that hides a body's size. Stops writing when the server answers and closes first (a body limit).
 */
public final class ChunkedRequest {

    private static final int CHUNK = 8192;

    private ChunkedRequest() {
    }

    /** The whole answer as text (status line, headers, body); empty when the server reset the connection. */
    public static String send(String host, int port, String method, String path, String extraHeaders, byte[] body,
            Duration timeout) throws IOException {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout((int) timeout.toMillis());
            BufferedOutputStream out = new BufferedOutputStream(socket.getOutputStream(), 2 * CHUNK);
            out.write((method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n" + extraHeaders + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            try {
                for (int at = 0; at < body.length; at += CHUNK) {
                    int n = Math.min(CHUNK, body.length - at);
                    out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, at, n);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException refusedWhileSending) {
                // the server answered and closed the connection before the whole body was sent
            }
            try {
                return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (SocketException reset) {
                return "";
            }
        }
    }
}
