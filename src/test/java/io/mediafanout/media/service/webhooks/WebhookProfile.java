package io.mediafanout.media.service.webhooks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Ittybit webhooks enabled: the service listens on a fixed free port and gives Ittybit webhook URLs on it; a branch
 * waits 30 minutes for its webhook and then reads every ten minutes, so a run finishing in seconds proves the webhook
 * ended its wait.
 */
public class WebhookProfile implements QuarkusTestProfile {

    static final int PORT = freePort();

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.http.test-port", String.valueOf(PORT),
                "media.ittybit.webhook.base-url", "http://127.0.0.1:" + PORT,
                "media.ittybit.poll.initial-delay", "PT10M",
                "media.ittybit.poll.max-delay", "PT10M",
                "media.ittybit.webhook.wait-timeout", "PT30M");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
