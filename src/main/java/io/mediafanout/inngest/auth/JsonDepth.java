package io.mediafanout.inngest.auth;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;

/**
 * How deep a request body may nest. Jackson counts the depth as it parses and stops at {@link #MAX}, so a hostile
 * {@code [[[[…} is refused by the pass that reads the body (the signature check's streaming canonicaliser, then the
 * parse of the call), before any recursive code sees a tree. Every body of the serve endpoint is parsed with
 * {@link #CONSTRAINTS}.
 */
public final class JsonDepth {

    /** Deeper JSON is refused (Jackson's own default, made explicit). */
    static final int MAX = 1000;

    public static final String REFUSAL = "the request body nests deeper than " + MAX + " levels";

    /** The constraints of every parser of a request body. */
    static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder().maxNestingDepth(MAX).build();

    private static final JsonFactory FACTORY = JsonFactory.builder().streamReadConstraints(CONSTRAINTS).build();

    private JsonDepth() {
    }

    /** A parser of {@code json} that throws past {@link #MAX} levels (see {@link #isTooDeep}). */
    public static JsonParser parser(byte[] json) throws IOException {
        return FACTORY.createParser(json);
    }

    /** Whether {@code e} is a parser stopping at {@link #MAX} levels. */
    public static boolean isTooDeep(Throwable e) {
        return e instanceof StreamConstraintsException && e.getMessage() != null
                && e.getMessage().contains("nesting depth");
    }

    /** A body nested deeper than {@link #MAX}: refused (400) rather than read. */
    static final class TooDeepException extends RuntimeException {
        TooDeepException() {
            super(REFUSAL, null, false, false);
        }
    }
}
