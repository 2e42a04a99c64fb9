package io.mediafanout.inngest.telemetry;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;

/**
 * Keeps secrets that travel in URLs out of exported spans: every capturing group of {@code secret} found in a span's
 * URL attributes ({@code url.full}, {@code url.path}, {@code url.query}, {@code http.url}, {@code http.target}) or
 * its name is replaced with {@value #REDACTED} as the span starts, before any exporter sees it. The SDK registers
 * one for the event key in {@code POST /e/<key>} ({@link TracingProducers}); an application adds its own as a CDI
 * {@code SpanProcessor} bean.
 */
public class SpanRedaction implements SpanProcessor {

    static final String REDACTED = "REDACTED";

    private static final List<AttributeKey<String>> URL_ATTRIBUTES = List.of(AttributeKey.stringKey("url.full"),
            AttributeKey.stringKey("url.path"), AttributeKey.stringKey("url.query"), AttributeKey.stringKey("http.url"),
            AttributeKey.stringKey("http.target"));

    private final Pattern secret;

    public SpanRedaction(Pattern secret) {
        this.secret = secret;
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
        for (AttributeKey<String> key : URL_ATTRIBUTES) {
            String value = span.getAttribute(key);
            if (value != null) {
                String redacted = redact(value);
                if (!redacted.equals(value)) {
                    span.setAttribute(key, redacted);
                }
            }
        }
        String name = redact(span.getName());
        if (!name.equals(span.getName())) {
            span.updateName(name);
        }
    }

    /** {@code text} with every capturing group of the pattern replaced. */
    String redact(String text) {
        Matcher matcher = secret.matcher(text);
        if (!matcher.find()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        do {
            for (int group = 1; group <= matcher.groupCount(); group++) {
                if (matcher.start(group) >= at) {
                    out.append(text, at, matcher.start(group)).append(REDACTED);
                    at = matcher.end(group);
                }
            }
        } while (matcher.find());
        return out.append(text, at, text.length()).toString();
    }

    @Override
    public boolean isStartRequired() {
        return true;
    }

    @Override
    public void onEnd(ReadableSpan span) {
    }

    @Override
    public boolean isEndRequired() {
        return false;
    }
}
