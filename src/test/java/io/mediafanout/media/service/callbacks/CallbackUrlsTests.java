package io.mediafanout.media.service.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.mediafanout.media.domain.Upload.InvalidUploadException;
import io.mediafanout.media.service.TestOutputs;

/** Where callbacks may go (SSRF): the rules checked at upload and, resolving again, before each delivery. */
class CallbackUrlsTests {

    private final CallbackUrls production = new CallbackUrls(TestOutputs.config(Map.of()));
    private final CallbackUrls local = new CallbackUrls(TestOutputs.config(Map.of("media.callbacks.allow-private", "true")));

    /** IPv6 addresses no callback may reach: not global unicast, special-purpose, or tunnelling to such an IPv4. */
    static final List<String> REFUSED_IPV6 = List.of(
            "::", "::1", // unspecified, loopback
            "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "::ffff:192.88.99.1", // IPv4-mapped
            "::127.0.0.1", "::10.1.2.3", "::0.0.0.2", // IPv4-compatible
            "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::a00:1", "64:ff9b::c0a8:101", // well-known NAT64
            "64:ff9b::1:808:808", // not the /96: not NAT64, and outside 2000::/3
            "64:ff9b:1::a00:1", "64:ff9b:1::808:808", // local-use NAT64 (RFC 8215), whatever it carries
            "100::1", // discard
            "fc00::1", "fd00::1", "fe80::1", "febf:ffff::1", "fec0::1", "ff02::1", "ff0e::1",
            "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
            "2001:2::1", "2001:10::1", "2001:20::1", "2001:1ff:ffff::1", // benchmarking, ORCHID, the /23's end
            "2001:db8::1", "2001:db8:ffff::1", // documentation
            "2002:7f00:1::1", "2002:a9fe:a9fe::1", "2002:808:808::1", // 6to4: all of it
            "3fff::1", "3fff:fff:ffff::1", // documentation (RFC 9637)
            "5f00::1", // SRv6
            "4000::1", "e000::1", "1fff:ffff::1"); // outside 2000::/3

    /** Public IPv6 addresses, some at the edges of the refused ranges. */
    static final List<String> PUBLIC_IPV6 = List.of("2606:4700:4700::1111", "2001:4860:4860::8888", "2001:200::1",
            "2001:db9::1", "2003::1", "3fff:1000::1", "3ffe::1", "64:ff9b::808:808", "::ffff:8.8.8.8", "::8.8.8.8");

    private CallbackUrls.Target resolve(CallbackUrls urls, String url) {
        return urls.resolve(URI.create(url), "callbackUrl").await().atMost(Duration.ofSeconds(10));
    }

    /** The IPv6 address written {@code text}, kept IPv6 (Java would make {@code ::ffff:a.b.c.d} an IPv4 address). */
    static Inet6Address ipv6(String text) throws UnknownHostException {
        byte[] bytes = InetAddress.getByName(text).getAddress(); // a literal: no lookup
        if (bytes.length == 4) {
            assertThat(text).startsWith("::ffff:");
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            bytes = mapped;
        }
        return Inet6Address.getByAddress(null, bytes, -1);
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

    @Test
    void ipv6IsPublicOnlyInGlobalUnicastOutsideTheSpecialPurposeRangesOrWhenItCarriesAPublicIpv4() throws Exception {
        for (String text : REFUSED_IPV6) {
            Inet6Address address = ipv6(text);
            assertThat(CallbackUrls.isPublic(address)).as(text + " (" + address.getHostAddress() + ")").isFalse();
        }
        for (String text : PUBLIC_IPV6) {
            Inet6Address address = ipv6(text);
            assertThat(CallbackUrls.isPublic(address)).as(text + " (" + address.getHostAddress() + ")").isTrue();
        }
    }

    @Test
    void ipv4IsPublicOutsideEveryRfc6890Range() throws Exception {
        for (String text : List.of("0.1.2.3", "10.0.0.1", "100.64.0.1", "100.127.255.255", "127.0.0.1", "169.254.169.254",
                "172.16.0.1", "172.31.255.255", "192.0.0.9", "192.0.2.1", "192.88.99.1", "192.168.0.1", "198.18.0.1",
                "198.19.255.255", "198.51.100.1", "203.0.113.1", "224.0.0.1", "239.255.255.250", "240.0.0.1",
                "255.255.255.255")) {
            assertThat(CallbackUrls.isPublic(InetAddress.getByName(text))).as(text).isFalse();
        }
        for (String text : List.of("8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.1",
                "172.15.255.255", "172.32.0.1", "192.0.1.1", "192.88.98.1", "192.88.100.1", "198.20.0.1",
                "223.255.255.254")) {
            InetAddress address = InetAddress.getByName(text);
            assertThat(address).isInstanceOf(Inet4Address.class);
            assertThat(CallbackUrls.isPublic(address)).as(text).isTrue();
        }
    }

    @Test
    void anIpv6LiteralUrlIsCheckedByItsAddressAtParseAndResolve() {
        List<String> urls = new java.util.ArrayList<>(List.of("https://[2002:7f00:1::]/x",
                "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x", "https://[64:ff9b:1::a00:1]/x",
                "https://[::ffff:a9fe:a9fe]/x", "https://[fd00::1]/x", "https://[fe80::1]/x",
                "https://[64:ff9b::7f00:1]/cb"));
        REFUSED_IPV6.forEach(text -> urls.add("https://[" + text + "]:8443/hooks"));
        for (String url : urls) {
            assertThatThrownBy(() -> resolve(production, production.parse(url, "callbackUrl").toString())).as(url)
                    .isInstanceOfSatisfying(InvalidUploadException.class, e -> {
                        assertThat(e.field()).isEqualTo("callbackUrl");
                        assertThat(e.getMessage()).contains("may not reach");
                    })
                    .isNotInstanceOf(CallbackUrls.UnresolvedHostException.class);
        }
        assertThat(resolve(production, production.parse("https://[2606:4700:4700::1111]/x", "callbackUrl").toString())
                .address().getHostAddress()).isEqualTo("2606:4700:4700:0:0:0:0:1111");
        assertThat(resolve(production, production.parse("https://[64:ff9b::808:808]/x", "callbackUrl").toString())
                .address().getHostAddress()).as("8.8.8.8 through NAT64").isEqualTo("64:ff9b:0:0:0:0:808:808");
        PUBLIC_IPV6.forEach(text -> assertThat(resolve(production,
                production.parse("https://[" + text + "]/hooks", "callbackUrl").toString()).address()).as(text)
                .isNotNull());
    }

    @Test
    void aHostThatDoesNotResolveIsToldApartFromOneThatResolvesInside() {
        // .invalid never resolves (RFC 6761): a delivery may try again later, an upload is still a 400
        URI url = production.parse("https://hooks.media-fanout.invalid/x", "callbackUrl");
        assertThatThrownBy(() -> resolve(production, url.toString()))
                .isInstanceOfSatisfying(CallbackUrls.UnresolvedHostException.class, e -> {
                    assertThat(e).isInstanceOf(InvalidUploadException.class);
                    assertThat(e.field()).isEqualTo("callbackUrl");
                    assertThat(e.getMessage()).isEqualTo("callbackUrl: its host does not resolve");
                });
    }
}
