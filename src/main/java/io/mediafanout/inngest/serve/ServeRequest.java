package io.mediafanout.inngest.serve;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An HTTP request to the serve endpoint, independent of the web framework.
 *
 * @param location the absolute request URL, with its query (computed when asked for: only a sync needs it)
 * @param header header lookup, case-insensitive
 * @param body the raw body (empty when none)
 */
public record ServeRequest(String method, Supplier<URI> location, Map<String, String> query, Function<String, String> header,
        byte[] body) {

    public ServeRequest {
        method = method.toUpperCase(Locale.ROOT);
        body = body == null ? new byte[0] : body;
    }

    /** The absolute request URL, with its query. */
    URI url() {
        return location.get();
    }

    String query(String name) {
        return query.get(name);
    }

    public String header(String name) {
        return header.apply(name);
    }
}
