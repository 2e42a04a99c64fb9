package io.mediafanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.testing.HostsFile;
import io.mediafanout.testing.PackagedApp;
import io.mediafanout.testing.TestApiKey;

/**
 * The packaged jar's callback SSRF guard against a real resolver: the JDK resolves names from a hosts file
 * ({@code -Djdk.net.hosts.file}) whose AAAA answers hide loopback, link-local and private addresses behind IPv6
 * transition prefixes (NAT64, 6to4, Teredo, IPv4-mapped). In production ({@code media.callbacks.allow-private}
 * false) an upload naming such a host is a 400 naming {@code callbackUrl}; a public one is accepted. The JVM caches
 * no answer ({@code networkaddress.cache.ttl} 0, set as the security property it is), so a name whose answer changes
 * is judged by its new answer. One jar process serves every test.
 */
class CallbackAddressIT {

    /** Names whose every answer must be refused, and what they resolve to. */
    static final Map<String, List<String>> FORBIDDEN = new LinkedHashMap<>();
    static {
        FORBIDDEN.put("nat64-loopback.hooks.test", List.of("64:ff9b::7f00:1"));
        FORBIDDEN.put("nat64-metadata.hooks.test", List.of("64:ff9b::a9fe:a9fe"));
        FORBIDDEN.put("nat64-local-use.hooks.test", List.of("64:ff9b:1::a00:1"));
        FORBIDDEN.put("sixtofour.hooks.test", List.of("2002:7f00:1::1"));
        FORBIDDEN.put("teredo.hooks.test", List.of("2001:0:4136:e378:8000:63bf:3fff:fdd2"));
        FORBIDDEN.put("ula.hooks.test", List.of("fd00::1"));
        FORBIDDEN.put("link-local.hooks.test", List.of("fe80::1"));
        FORBIDDEN.put("mapped.hooks.test", List.of("::ffff:169.254.169.254"));
        FORBIDDEN.put("loopback6.hooks.test", List.of("::1"));
        // one inside address among public ones is enough to refuse the name
        FORBIDDEN.put("mixed.hooks.test", List.of("2606:4700:4700::1001", "64:ff9b::a00:1"));
    }

    static final String PUBLIC = "public.hooks.test";
    static final String PUBLIC_ADDRESS = "2606:4700:4700::1111";
    /** Public at first; the hosts file then points it at loopback through NAT64. */
    static final String REBOUND = "rebound.hooks.test";

    static final HostsFile hosts = HostsFile.of(hosts(PUBLIC_ADDRESS));

    @RegisterExtension
    static final PackagedApp app = PackagedApp.create().withFakes().devMode()
            .set("media.reconciler.every", "off")
            .set("media.callbacks.secret", "callback-address-secret-0123456789")
            .set("media.callbacks.allow-private", "false") // the production default, stated
            .resolvingFrom(hosts).startBeforeAll();

    /** The hosts file: the fixed names, and {@link #REBOUND} at {@code rebound}. */
    private static String hosts(String rebound) {
        StringBuilder text = new StringBuilder("127.0.0.1 localhost\n::1 localhost\n");
        FORBIDDEN.forEach((name, addresses) -> addresses.forEach(a -> text.append(a).append(' ').append(name)
                .append('\n')));
        text.append(PUBLIC_ADDRESS).append(' ').append(PUBLIC).append('\n');
        text.append(rebound).append(' ').append(REBOUND).append('\n');
        return text.toString();
    }

    @Test
    void aHostResolvingToAnInsideAddressBehindAnIpv6TransitionPrefixIsA400NamingCallbackUrl() throws Exception {
        for (String name : FORBIDDEN.keySet()) {
            HttpResponse<String> answer = upload("https://" + name + "/hook");
            assertThat(answer.statusCode()).as(name + ": " + answer.body() + "; log: " + app.replica().log())
                    .isEqualTo(400);
            JsonNode body = PackagedFixture.json(answer);
            assertThat(body.path("errors").path(0).path("field").asText()).as(name).isEqualTo("callbackUrl");
            assertThat(body.path("detail").asText()).as(name).contains("callbackUrl").contains("may not reach");
        }
    }

    @Test
    void aHostResolvingOnlyToPublicAddressesIsAccepted() throws Exception {
        HttpResponse<String> answer = upload("https://" + PUBLIC + "/hook");
        assertThat(answer.statusCode()).as(answer.body() + "; log: " + app.replica().log()).isEqualTo(202);
    }

    @Test
    void aHostThatDoesNotResolveIsA400SayingSo() throws Exception {
        HttpResponse<String> answer = upload("https://absent.hooks.test/hook");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        JsonNode body = PackagedFixture.json(answer);
        assertThat(body.path("errors").path(0).path("field").asText()).isEqualTo("callbackUrl");
        assertThat(body.path("detail").asText()).isEqualTo("callbackUrl: its host does not resolve");
    }

    @Test
    void aNameIsJudgedByWhatItResolvesToNow() throws Exception {
        try {
            hosts.write(hosts(PUBLIC_ADDRESS));
            assertThat(upload("https://" + REBOUND + "/hook").statusCode()).isEqualTo(202);
            hosts.write(hosts("64:ff9b::7f00:1"));
            HttpResponse<String> answer = upload("https://" + REBOUND + "/hook");
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
            assertThat(answer.body()).contains("may not reach");
        } finally {
            hosts.write(hosts(PUBLIC_ADDRESS));
        }
    }

    /** {@code POST /media} of a new record with {@code callbackUrl}. */
    private static HttpResponse<String> upload(String callbackUrl) throws Exception {
        return PackagedFixture.post(app.replica().url("/"), TestApiKey.AUTHORIZATION,
                PackagedFixture.uploadBody(PackagedFixture.newId("cbaddr")).put("callbackUrl", callbackUrl));
    }
}
