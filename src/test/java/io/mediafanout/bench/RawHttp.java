package io.mediafanout.bench;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A minimal blocking HTTP/1.1 client on one keep-alive connection (one per load thread). The load generator shares
 * two cores with the server under test, so it must cost as little CPU per request as possible, and the same for both
 * servers: no selector thread, no futures, request bytes prepared by the caller, only the response headers the
 * benchmark reads are kept. Handles {@code Content-Length} and chunked bodies and reconnects after
 * {@code Connection: close} or an I/O error.
 */
final class RawHttp implements AutoCloseable {

    /** A response; header names are lower case. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    /** Own read buffer: no lock per byte, as {@code BufferedInputStream.read()} would take. */
    private final byte[] buffer = new byte[32 * 1024];
    private int position;
    private int limit;

    RawHttp(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** The request head: request line and headers, ending with the empty line. */
    static byte[] head(String method, String pathAndQuery, String host, Map<String, String> headers, int bodyLength) {
        StringBuilder head = new StringBuilder(256);
        head.append(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(host).append("\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (bodyLength > 0 || method.equals("POST") || method.equals("PUT")) {
            head.append("Content-Length: ").append(bodyLength).append("\r\n");
        }
        head.append("\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    Response send(byte[] head, byte[] body) throws IOException {
        if (socket == null) {
            connect();
        }
        try {
            out.write(head);
            if (body != null && body.length > 0) {
                out.write(body);
            }
            out.flush();
            Response response = read();
            if ("close".equalsIgnoreCase(response.headers().get("connection"))) {
                close();
            }
            return response;
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setKeepAlive(true);
        s.connect(new InetSocketAddress(host, port), 5_000);
        s.setSoTimeout(60_000);
        socket = s;
        in = s.getInputStream();
        out = new BufferedOutputStream(s.getOutputStream(), 16 * 1024);
        position = 0;
        limit = 0;
    }

    private Response read() throws IOException {
        String statusLine = readLine();
        // HTTP/1.1 206 Partial Content
        int firstSpace = statusLine.indexOf(' ');
        if (firstSpace < 0 || statusLine.length() < firstSpace + 4) {
            throw new IOException("bad status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(firstSpace + 1, firstSpace + 4));
        Map<String, String> headers = new HashMap<>(32);
        for (String header = readLine(); !header.isEmpty(); header = readLine()) {
            int colon = header.indexOf(':');
            if (colon > 0) {
                headers.put(header.substring(0, colon).trim().toLowerCase(), header.substring(colon + 1).trim());
            }
        }
        byte[] body;
        String length = headers.get("content-length");
        if (length != null) {
            body = readBytes(Integer.parseInt(length));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            while (true) {
                String size = readLine();
                int semicolon = size.indexOf(';');
                int n = Integer.parseInt((semicolon >= 0 ? size.substring(0, semicolon) : size).trim(), 16);
                if (n == 0) {
                    while (!readLine().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                chunks.write(readBytes(n));
                readLine();
            }
            body = chunks.toByteArray();
        } else if (status == 204 || status == 304) {
            body = new byte[0];
        } else {
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            rest.write(buffer, position, limit - position);
            position = limit;
            rest.write(in.readAllBytes());
            body = rest.toByteArray();
            headers.put("connection", "close");
        }
        return new Response(status, headers, body);
    }

    private boolean fill() throws IOException {
        position = 0;
        limit = 0;
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) {
            return false;
        }
        limit = n;
        return true;
    }

    private byte[] readBytes(int n) throws IOException {
        byte[] bytes = new byte[n];
        int done = 0;
        while (done < n) {
            if (position == limit && !fill()) {
                throw new EOFException("connection closed by the server in a body");
            }
            int chunk = Math.min(n - done, limit - position);
            System.arraycopy(buffer, position, bytes, done, chunk);
            position += chunk;
            done += chunk;
        }
        return bytes;
    }

    private String readLine() throws IOException {
        StringBuilder text = null;
        while (true) {
            if (position == limit && !fill()) {
                throw new EOFException("connection closed by the server");
            }
            int start = position;
            while (position < limit && buffer[position] != '\n') {
                position++;
            }
            if (position < limit) {
                int end = position++;
                if (text == null) {
                    if (end > start && buffer[end - 1] == '\r') {
                        end--;
                    }
                    return new String(buffer, start, end - start, StandardCharsets.ISO_8859_1);
                }
                text.append(new String(buffer, start, end - start, StandardCharsets.ISO_8859_1));
                int len = text.length();
                if (len > 0 && text.charAt(len - 1) == '\r') {
                    text.setLength(len - 1);
                }
                return text.toString();
            }
            if (text == null) {
                text = new StringBuilder();
            }
            text.append(new String(buffer, start, position - start, StandardCharsets.ISO_8859_1));
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
