package io.mediafanout.media.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.mediafanout.media.service.Upload.InvalidUploadException;

/** Where callbacks may go (SSRF): the rules checked at upload and, resolving again, before each delivery. */
class CallbackUrlsTests {

    private final CallbackUrls production = new CallbackUrls(TestOutputs.config(Map.of()));
    private final CallbackUrls local = new CallbackUrls(TestOutputs.config(Map.of("media.callbacks.allow-private", "true")));

    private CallbackUrls.Target resolve(CallbackUrls urls, String url) {
        return urls.resolve(URI.create(url), "callbackUrl").await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void aPublicHttpsUrlIsAcceptedAndDeliveredToTheAddressChecked() {
        assertThat(production.parse("https://hooks.example.com/media?app=1", "callbackUrl"))
                .isEqualTo(URI.create("https://hooks.example.com/media?app=1"));
        CallbackUrls.Target target = resolve(production, "https://93.184.216.34/hooks");
        assertThat(target.address().getHostAddress()).isEqualTo("93.184.216.34");
    }

    @Test
    void loopbackPrivateLinkLocalAndReservedAddressesAreRefused() {
        for (String url : List.of("https://127.0.0.1/x", "https://10.1.2.3/x", "https://172.16.0.1/x",
                "https://192.168.1.1/x", "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/x",
                "https://0.0.0.0/x", "https://224.0.0.1/x", "https://[::1]/x", "https://[fd00::1]/x",
                "https://[fe80::1]/x", "https://[::ffff:127.0.0.1]/x", "https://[64:ff9b::a00:1]/x",
                "https://[::]/x")) {
            assertThatThrownBy(() -> resolve(production, url)).as(url)
                    .isInstanceOfSatisfying(InvalidUploadException.class, e -> {
                        assertThat(e.field()).isEqualTo("callbackUrl");
                        assertThat(e.getMessage()).contains("may not reach");
                    });
        }
    }

    @Test
    void aNameIsResolvedAgainAndRefusedWhenItPointsInside() {
        // the delivery-time check: whatever the name, the addresses it resolves to now decide
        assertThatThrownBy(() -> resolve(production, "https://localhost/hooks"))
                .isInstanceOf(InvalidUploadException.class).hasMessageContaining("may not reach");
    }

    @Test
    void plainHttpCredentialsLocalNamesAndOtherSchemesAreRefusedWithoutALookup() {
        Map<String, String> refused = Map.of(
                "http://hooks.example.com/x", "https URL",
                "ftp://hooks.example.com/x", "https URL",
                "https://user:secret@hooks.example.com/x", "credentials",
                "https://localhost/x", "public host",
                "https://metadata.google.internal/x", "public host",
                "https://intranet/x", "public host",
                "https://hooks.example.com/x#frag", "fragment",
                "not a url", "valid URL");
        refused.forEach((url, reason) -> assertThatThrownBy(() -> production.parse(url, "callbackUrl")).as(url)
                .isInstanceOf(InvalidUploadException.class).hasMessageContaining(reason));
        assertThatThrownBy(() -> production.parse("https://a.example/" + "x".repeat(3000), "callbackUrl"))
                .hasMessageContaining("longer than");
    }

    @Test
    void allowPrivateLetsTestsAndLocalDevelopmentUseLoopback() {
        assertThat(local.parse("http://127.0.0.1:8080/hooks", "callbackUrl")).isNotNull();
        assertThat(resolve(local, "http://127.0.0.1:8080/hooks").address().isLoopbackAddress()).isTrue();
    }
}
