package io.mediafanout.media.client;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.mediafanout.media.config.MediaConfig;

/**
 * The {@code webhook_url} given to Ittybit with each task: {@code <base>/ittybit/webhooks/<task key>/<token>}, where
 * the token is an HMAC-SHA256 of the task's idempotency key (128 bits, hex). Ittybit's own webhook signature scheme is
 * not documented (see ../shared/ittybit/API.md §3), so the URL carries its proof: only URLs this service handed out
 * are accepted.
 */
@ApplicationScoped
public class IttybitWebhooks {

    public static final String PATH = "/ittybit/webhooks";
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern TOKEN = Pattern.compile("[0-9a-f]{32}");

    private final Optional<String> base;
    private final Optional<byte[]> key;

    public IttybitWebhooks(MediaConfig config) {
        MediaConfig.Webhook webhook = config.ittybit().webhook();
        this.key = webhook.secret().map(s -> s.getBytes(StandardCharsets.UTF_8))
                .or(() -> config.ittybit().apiKey().map(IttybitWebhooks::derivedSecret));
        this.base = key.isPresent() ? webhook.baseUrl().map(IttybitWebhooks::trimmed) : Optional.empty();
    }

    /** Whether tasks are created with a webhook URL. */
    public boolean enabled() {
        return base.isPresent();
    }

    /** The webhook URL of the task with this idempotency key, when webhooks are enabled. */
    public Optional<String> url(String taskKey) {
        return base.map(origin -> origin + PATH + "/" + taskKey + "/" + token(taskKey));
    }

    /** Whether a webhook call names a task key and the token this service gave it. */
    public boolean verify(String taskKey, String token) {
        if (key.isEmpty() || taskKey == null || token == null || !KEY.matcher(taskKey).matches()
                || !TOKEN.matcher(token).matches()) {
            return false;
        }
        return MessageDigest.isEqual(token(taskKey).getBytes(StandardCharsets.US_ASCII),
                token.getBytes(StandardCharsets.US_ASCII));
    }

    private String token(String taskKey) {
        return HexFormat.of().formatHex(Hmac.sha256(key.orElseThrow(), taskKey), 0, 16);
    }

    /** A webhook key derived from the API key, so webhooks need no extra secret. */
    private static byte[] derivedSecret(String apiKey) {
        return Hmac.sha256(apiKey.getBytes(StandardCharsets.UTF_8), "media-fanout ittybit webhook url");
    }


    private static String trimmed(URI uri) {
        String s = uri.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
