package io.mediafanout.inngest.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.Test;

import io.mediafanout.inngest.CloudServeProfile;
import io.mediafanout.inngest.auth.Signatures;
import io.mediafanout.testing.ChunkedRequest;
import io.mediafanout.testing.Transcript;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The serve endpoint holds request bodies to the SDK's own limit, {@code inngest.serve.max-body-size} (1 MiB in this
 * profile, below the 8 MiB the application gives its other routes): a larger announced body is refused before it is
 * sent, a chunked one as soon as it passes the limit, both with the JSON {@code 413} naming the limit; a chunked body
 * of exactly the limit is read and runs.
 */
@QuarkusTest
@TestProfile(CloudServeProfile.class)
class ServeBodyLimitTests {

    static final String TARGET = "/api/inngest?fnId=media-pipeline-fanout-adaptive-streaming&stepId=step";
    static final String TOO_LARGE = "{\"error\":\"payload_too_large\",\"message\":\"the request body is larger than "
            + CloudServeProfile.MAX_BODY_SIZE + " bytes\"}";

    @TestHTTPResource("/api/inngest")
    URI serveUrl;

    @Test
    void aBodyAnnouncedOverTheServeLimitIsRefusedWithA413BeforeItIsSent() throws Exception {
        for (long length : new long[] { CloudServeProfile.MAX_BODY_SIZE + 1, 2_000_000 }) {
            String answer = announce(length);
            assertThat(answer).as("Content-Length " + length).startsWith("HTTP/1.1 413")
                    .containsIgnoringCase("content-type: application/json").endsWith("\r\n\r\n" + TOO_LARGE);
        }
    }

    @Test
    void aChunkedBodyIsRefusedAsSoonAsItPassesTheServeLimitAndRunsAtTheLimit() throws Exception {
        Transcript discovery = Transcript.load("02-A-post-discovery-no-state.json");
        byte[] canonical = new JsonCanonicalizer(discovery.requestBody()).getEncodedUTF8();
        String signature = "X-Inngest-Signature: "
                + Signatures.header(CloudServeProfile.CURRENT_KEY, canonical, System.currentTimeMillis() / 1000) + "\r\n";
        // the signed call padded with spaces (its canonical form, hence its signature, unchanged) to the limit
        byte[] atLimit = new byte[CloudServeProfile.MAX_BODY_SIZE];
        Arrays.fill(atLimit, (byte) ' ');
        System.arraycopy(canonical, 0, atLimit, 0, canonical.length);
        assertThat(chunked(signature, atLimit)).startsWith("HTTP/1.1 206");

        byte[] overLimit = Arrays.copyOf(atLimit, atLimit.length + 1);
        overLimit[overLimit.length - 1] = ' ';
        String refused = chunked(signature, overLimit);
        assertThat(refused).startsWith("HTTP/1.1 413").containsIgnoringCase("content-type: application/json")
                .endsWith("\r\n\r\n" + TOO_LARGE);
    }

    /** Sends only the head of a POST announcing a {@code length}-byte body and reads the answer up to its end. */
    private String announce(long length) throws IOException {
        try (Socket socket = open()) {
            socket.getOutputStream().write(("POST " + TARGET + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[1024];
            int read;
            while (!answer.toString().endsWith("}") && (read = socket.getInputStream().read(buffer)) > 0) {
                answer.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
            }
            return answer.toString();
        }
    }

    /** POSTs {@code body} chunked (no length) and reads the whole answer; stops writing when refused. */
    private String chunked(String extraHeaders, byte[] body) throws IOException {
        return ChunkedRequest.send("127.0.0.1", serveUrl.getPort(), "POST", TARGET, extraHeaders, body,
                Duration.ofSeconds(15));
    }

    private Socket open() throws IOException {
        Socket socket = new Socket("127.0.0.1", serveUrl.getPort());
        socket.setSoTimeout(15_000);
        return socket;
    }
}
