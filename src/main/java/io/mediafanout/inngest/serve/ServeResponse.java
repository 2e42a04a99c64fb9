package io.mediafanout.inngest.serve;

import java.util.Map;

/** The answer of the serve endpoint: status, headers in order, and the exact body bytes (signed as they are). */
public record ServeResponse(int status, Map<String, String> headers, byte[] body) {
}
