package io.mediafanout.media.service.callbacks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import jakarta.inject.Singleton;

import io.mediafanout.media.config.MediaConfig;
import io.mediafanout.media.domain.Upload.InvalidUploadException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Where callbacks may go (SSRF): https only, no credentials in the URL, and a host whose every address is public,
 * never loopback, link-local (cloud metadata), private, shared (CGNAT), multicast or reserved. Checked when an upload
 * names the URL and again, resolving the name afresh, before each delivery, which then connects to the address
 * checked (a name that changes its answer in between cannot redirect it). {@code media.callbacks.allow-private}
 * lifts the address and scheme rules, for tests and local development.
 */
@Singleton
public class CallbackUrls {

    /** Longest callback URL accepted. */
    static final int MAX_LENGTH = 2048;

    /** A URL and the address a delivery connects to. */
    public record Target(URI url, InetAddress address) {
    }

    /**
     * The URL's host does not resolve (now): unlike an address callbacks may not reach, this may be transient (a DNS
     * outage, a record not yet published), so a delivery can try again later; an upload still answers 400.
     */
    public static final class UnresolvedHostException extends InvalidUploadException {

        public UnresolvedHostException(String field, String message) {
            super(field, message);
        }
    }

    private final boolean allowPrivate;

    public CallbackUrls(MediaConfig config) {
        this.allowPrivate = config.callbacks().allowPrivate();
    }

    /** The URL when its form is acceptable; {@link InvalidUploadException} naming {@code field} otherwise. */
    public URI parse(String url, String field) {
        if (url == null || url.isBlank()) {
            throw new InvalidUploadException(field, field + " must be a non-empty string");
        }
        if (url.length() > MAX_LENGTH) {
            throw new InvalidUploadException(field, field + " is longer than " + MAX_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new InvalidUploadException(field, field + " is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || (allowPrivate && scheme.equals("http"))) || uri.getHost() == null) {
            throw new InvalidUploadException(field, field + " must be an https URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidUploadException(field, field + " must not carry credentials");
        }
        if (uri.getRawFragment() != null) {
            throw new InvalidUploadException(field, field + " must not have a fragment");
        }
        String host = host(uri);
        // names only: an IPv6 literal (which has no dot) is judged by its address, in resolve()
        boolean ipv6Literal = uri.getHost().startsWith("[");
        if (!allowPrivate && !ipv6Literal && (host.equals("localhost") || host.endsWith(".localhost")
                || host.endsWith(".local") || host.endsWith(".internal") || !host.contains("."))) {
            throw new InvalidUploadException(field, field + " must name a public host");
        }
        return uri;
    }

    /**
     * Resolves the URL's host now and checks every address; the target connects to the first. Fails with
     * {@link UnresolvedHostException} when the host does not resolve, and {@link InvalidUploadException} when it
     * resolves to an address callbacks may not reach (both naming {@code field}). Name resolution blocks, so it runs
     * on a worker thread.
     */
    public Uni<Target> resolve(URI url, String field) {
        // back on the caller's Vert.x context afterwards: what follows may use its Hibernate Reactive session
        Context caller = Vertx.currentContext();
        Uni<Target> resolved = Uni.createFrom().item(() -> {
            List<InetAddress> addresses;
            try {
                addresses = List.of(InetAddress.getAllByName(host(url)));
            } catch (UnknownHostException e) {
                throw new UnresolvedHostException(field, field + ": its host does not resolve");
            }
            for (InetAddress address : addresses) {
                if (!allowPrivate && !isPublic(address)) {
                    throw new InvalidUploadException(field, field + " points at an address callbacks may not reach "
                            + "(loopback, link-local, private or reserved)");
                }
            }
            return new Target(url, addresses.get(0));
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return caller == null ? resolved : resolved.emitOn(task -> caller.runOnContext(ignored -> task.run()));
    }

    /** The URL's host, lower case, without the brackets of an IPv6 literal. */
    private static String host(URI url) {
        String host = url.getHost().toLowerCase(Locale.ROOT);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * An address on the public internet. IPv4: none of the special-purpose ranges (RFC 6890 and successors). IPv6: an
     * allowlist, since a denylist misses the transition prefixes that carry or tunnel to an IPv4 address the IPv4
     * rules never see (NAT64, 6to4, Teredo): global unicast 2000::/3 outside the special-purpose ranges, or an
     * address embedding an IPv4 address (mapped, compatible, well-known NAT64) that is itself public.
     */
    static boolean isPublic(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return isPublicIpv4(b);
        }
        return address instanceof Inet6Address && isPublicIpv6(b);
    }

    private static boolean isPublicIpv4(byte[] b) {
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        int third = b[2] & 0xff;
        return !(first == 0 // "this network"
                || first == 10 || first == 127
                || (first == 100 && second >= 64 && second <= 127) // shared address space (CGNAT)
                || (first == 169 && second == 254) // link-local, cloud metadata
                || (first == 172 && second >= 16 && second <= 31)
                || (first == 192 && second == 0 && third == 0) // IETF protocol assignments
                || (first == 192 && second == 0 && third == 2) // TEST-NET-1
                || (first == 192 && second == 88 && third == 99) // 6to4 relay anycast: a tunnel to any IPv6 host
                || (first == 192 && second == 168)
                || (first == 198 && (second == 18 || second == 19)) // benchmarking
                || (first == 198 && second == 51 && third == 100) // TEST-NET-2
                || (first == 203 && second == 0 && third == 113) // TEST-NET-3
                || first >= 224); // multicast, reserved, broadcast
    }

    private static boolean isPublicIpv6(byte[] b) {
        byte[] ipv4 = embeddedIpv4(b);
        if (ipv4 != null) {
            return isPublicIpv4(ipv4);
        }
        // outside 2000::/3 nothing is public unicast: ::, ::1, 100::/64, 64:ff9b:1::/48 (local-use NAT64),
        // fc00::/7, fe80::/10, fec0::/10, ff00::/8, 5f00::/16 (SRv6) ...
        if ((b[0] & 0xe0) != 0x20) {
            return false;
        }
        int first = (b[0] & 0xff) << 8 | (b[1] & 0xff);
        int second = (b[2] & 0xff) << 8 | (b[3] & 0xff);
        return !((first == 0x2001 && second < 0x0200) // IETF protocol assignments 2001::/23: Teredo, ORCHID...
                || (first == 0x2001 && second == 0x0db8) // documentation 2001:db8::/32
                || first == 0x2002 // 6to4: any of it may tunnel to an IPv4 address
                || (first == 0x3fff && second < 0x1000)); // documentation 3fff::/20 (RFC 9637)
    }

    /**
     * The IPv4 address carried by an IPv4-mapped ({@code ::ffff:a.b.c.d}), IPv4-compatible ({@code ::a.b.c.d}, not
     * {@code ::} or {@code ::1}) or well-known NAT64 ({@code 64:ff9b::/96}) address; null for any other.
     */
    private static byte[] embeddedIpv4(byte[] b) {
        boolean zeros = true;
        for (int i = 0; i < 10; i++) {
            zeros &= b[i] == 0;
        }
        boolean mapped = zeros && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = zeros && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0
                && (b[15] == 0 || b[15] == 1));
        boolean nat64 = (b[0] & 0xff) == 0 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
        for (int i = 4; i < 12 && nat64; i++) {
            nat64 = b[i] == 0;
        }
        return mapped || compatible || nat64 ? Arrays.copyOfRange(b, 12, 16) : null;
    }
}
