package io.mediafanout.inngest.auth;

import static com.fasterxml.jackson.core.JsonTokenId.ID_END_ARRAY;
import static com.fasterxml.jackson.core.JsonTokenId.ID_END_OBJECT;
import static com.fasterxml.jackson.core.JsonTokenId.ID_FALSE;
import static com.fasterxml.jackson.core.JsonTokenId.ID_FIELD_NAME;
import static com.fasterxml.jackson.core.JsonTokenId.ID_NULL;
import static com.fasterxml.jackson.core.JsonTokenId.ID_NUMBER_FLOAT;
import static com.fasterxml.jackson.core.JsonTokenId.ID_NUMBER_INT;
import static com.fasterxml.jackson.core.JsonTokenId.ID_START_ARRAY;
import static com.fasterxml.jackson.core.JsonTokenId.ID_START_OBJECT;
import static com.fasterxml.jackson.core.JsonTokenId.ID_STRING;
import static com.fasterxml.jackson.core.JsonTokenId.ID_TRUE;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

import org.erdtman.jcs.NumberToJSON;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.mediafanout.inngest.auth.JsonDepth;

/**
 * RFC 8785 (JSON Canonicalization Scheme) of a request body, streamed from Jackson's tokens, never as a tree: a
 * request's signature is checked before anything is built from its body, so verifying a body whose signature does
 * not match costs memory in proportion to its bytes (a small constant times them at worst), never per JSON value.
 * <p>
 * Two passes over the body, the second only when the first says so:
 * <ul>
 * <li>{@link #check}: whether the bytes already are their canonical form. Each token's canonical bytes must equal
 * the raw bytes at the cursor (so no whitespace, strings escaped only where JSON requires, numbers as ECMAScript
 * writes them), member names must strictly increase in UTF-16 code units (which also rules out duplicates), the
 * root must be an object or an array with nothing after it. Inngest signs and sends canonical JSON, so every real
 * call ends here, its signature over the raw bytes. It keeps the previous name of each open object, nothing per
 * value.</li>
 * <li>{@link #write}: the canonical form of any other body, into a {@link Sink} (the MACs). Arrays and scalars
 * stream through; the members of the open objects are kept, already canonical, in one shared byte buffer (stack
 * discipline) with one int per member (where it starts), and sorted when their object closes: a primitive merge
 * sort of member indices that compares names by decoding their canonical bytes into UTF-16 code units. Already
 * sorted members (the usual case) are not moved at all.</li>
 * </ul>
 * The work of the second pass is bounded: a body whose members need more than twice its length (+1 KiB) of buffer
 * (numbers that grow when written canonically, such as {@code 1e20}), or whose closing objects move more than eight
 * times its length (large unsorted objects nested in one another), is treated as not canonicalisable, so its
 * signature covers its raw bytes, as for any other body without a canonical form. Inngest only sends canonical
 * bodies, which take the first pass, so only a hand-made body can meet these bounds.
 * <p>
 * Gives the bytes of the reference {@code JsonCanonicalizer} (checked by {@code JcsTests}) and refuses what it
 * refuses, as the tree-based canonicaliser did before: a root that is not an object or an array, duplicate member
 * names, trailing content, numbers out of the double range, anything that is not JSON. Numbers are read as doubles
 * and written as ECMAScript writes them ({@link NumberToJSON}, from the reference implementation; integers up to
 * 2^53 directly); a lone surrogate in a string is written as '?', as {@code String.getBytes(UTF_8)} writes it
 * (Jackson refuses one in a name). Nesting is bounded by {@link JsonDepth} as the body is read: deeper bodies throw
 * {@link JsonDepth.TooDeepException}, whatever else they hold before their first syntax error, as the full parse
 * found them (so after a number out of range or past the bounds the rest of the root is still read, only to tell;
 * a duplicate name stops the reading, as it stopped the strict parse, though only once its object closes).
 */
final class CanonicalJson {

    /** Where the canonical bytes go: the MACs of a signature check, or a byte array. */
    @FunctionalInterface
    interface Sink {
        void write(byte[] bytes, int offset, int length);
    }

    /** What {@link #check} found. */
    enum Form {
        /** The bytes are their own canonical form. */
        CANONICAL,
        /** JSON whose canonical form differs from its bytes, or may not exist (duplicate names…): {@link #write}. */
        NOT_CANONICAL,
        /** No canonical form: not JSON, a root that is not an object or an array, or content after the root. */
        NONE
    }

    /** Names are not interned: a hostile body's 400,000 names must not go into the JVM's string table. */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(JsonDepth.CONSTRAINTS)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build();

    private static final long MAX_EXACT_INTEGER = 1L << 53;
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private CanonicalJson() {
    }

    /**
     * Whether {@code json} is already canonical; throws {@link JsonDepth.TooDeepException} when it nests too deep
     * before it shows itself not to be.
     */
    static Form check(byte[] json) {
        try (JsonParser parser = FACTORY.createParser(json)) {
            return new Check(json).run(parser);
        } catch (IOException unreadable) {
            if (JsonDepth.isTooDeep(unreadable)) {
                throw new JsonDepth.TooDeepException();
            }
            return Form.NONE;
        }
    }

    /**
     * Writes the canonical form of {@code json} into {@code sink}: true when it has one; false when it has none (see
     * the class comment), after which what the sink got so far must be thrown away. Throws
     * {@link JsonDepth.TooDeepException} for a body nested too deep.
     */
    static boolean write(byte[] json, Sink sink) {
        try (JsonParser parser = FACTORY.createParser(json)) {
            return new Writer(json, parser, sink).run();
        } catch (IOException unreadable) {
            if (JsonDepth.isTooDeep(unreadable)) {
                throw new JsonDepth.TooDeepException();
            }
            return false;
        }
    }

    /** The canonical form of {@code json}, when it has one (the bytes themselves when they are canonical). */
    static Optional<byte[]> canonicalize(byte[] json) {
        return switch (check(json)) {
            case CANONICAL -> Optional.of(json.clone());
            case NONE -> Optional.empty();
            case NOT_CANONICAL -> {
                Bytes out = new Bytes(json.length);
                yield write(json, out) ? Optional.of(out.toByteArray()) : Optional.empty();
            }
        };
    }

    /** A sink that keeps what it gets. */
    static final class Bytes implements Sink {
        private byte[] bytes;
        private int size;

        Bytes(int capacity) {
            bytes = new byte[Math.max(16, capacity)];
        }

        @Override
        public void write(byte[] from, int offset, int length) {
            if (size + length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + length));
            }
            System.arraycopy(from, offset, bytes, size, length);
            size += length;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }
    }

    /**
     * The canonical bytes of {@code c}, a char that is not printable ASCII or is {@code "} or {@code \}, into
     * {@code out} at {@code at} (6 bytes at most): an escape, or UTF-8 (4 bytes for {@code c} and {@code next} when
     * they are a surrogate pair; a lone surrogate is '?'). Returns how many bytes it wrote.
     */
    private static int escape(char c, char next, byte[] out, int at) {
        if (c < 0x20 || c == '"' || c == '\\') {
            out[at] = '\\';
            char shortForm = switch (c) {
                case '"' -> '"';
                case '\\' -> '\\';
                case '\b' -> 'b';
                case '\f' -> 'f';
                case '\n' -> 'n';
                case '\r' -> 'r';
                case '\t' -> 't';
                default -> 0;
            };
            if (shortForm != 0) {
                out[at + 1] = (byte) shortForm;
                return 2;
            }
            out[at + 1] = 'u';
            out[at + 2] = '0';
            out[at + 3] = '0';
            out[at + 4] = HEX[c >> 4];
            out[at + 5] = HEX[c & 0xf];
            return 6;
        }
        if (c < 0x80) {
            out[at] = (byte) c;
            return 1;
        }
        if (c < 0x800) {
            out[at] = (byte) (0xc0 | (c >> 6));
            out[at + 1] = (byte) (0x80 | (c & 0x3f));
            return 2;
        }
        if (Character.isSurrogate(c)) {
            if (Character.isHighSurrogate(c) && Character.isLowSurrogate(next)) {
                int cp = Character.toCodePoint(c, next);
                out[at] = (byte) (0xf0 | (cp >> 18));
                out[at + 1] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                out[at + 2] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                out[at + 3] = (byte) (0x80 | (cp & 0x3f));
                return 4;
            }
            out[at] = '?';
            return 1;
        }
        out[at] = (byte) (0xe0 | (c >> 12));
        out[at + 1] = (byte) (0x80 | ((c >> 6) & 0x3f));
        out[at + 2] = (byte) (0x80 | (c & 0x3f));
        return 3;
    }

    /** Whether {@code c} is written as itself, one byte. */
    private static boolean plain(char c) {
        return c < 0x80 && c >= 0x20 && c != '"' && c != '\\';
    }

    /**
     * Whether {@code value} is an integer that a double holds exactly (up to 2^53), written as all its digits: what
     * {@code number((double) value)} writes, without the conversions.
     */
    private static boolean exact(long value) {
        return value >= -MAX_EXACT_INTEGER && value <= MAX_EXACT_INTEGER;
    }

    /**
     * Writes the decimal digits of {@code value} (at most 2^53 either way) at the end of {@code out}; returns where
     * they start.
     */
    private static int digits(long value, byte[] out) {
        int at = out.length;
        long rest = value < 0 ? -value : value;
        do {
            out[--at] = (byte) ('0' + rest % 10);
            rest /= 10;
        } while (rest != 0);
        if (value < 0) {
            out[--at] = '-';
        }
        return at;
    }

    /** The first pass: compares the canonical bytes of each token with the bytes at the cursor. */
    private static final class Check {
        private final byte[] json;
        /** 20 digits and a sign, or one escaped char. */
        private final byte[] scratch = new byte[24];
        private int pos;
        /** Per open container: whether it is an object, and for an object the name of its last member. */
        private boolean[] inObject = new boolean[16];
        private String[] lastName = new String[16];

        Check(byte[] json) {
            this.json = json;
        }

        Form run(JsonParser parser) throws IOException {
            JsonToken token = parser.nextToken();
            if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
                return Form.NONE;
            }
            int depth = 0;
            boolean first = true;
            while (true) {
                switch (token.id()) {
                    case ID_START_OBJECT, ID_START_ARRAY -> {
                        if (depth > 0 && !inObject[depth - 1] && !first && !next(',')) {
                            return Form.NOT_CANONICAL;
                        }
                        boolean object = token == JsonToken.START_OBJECT;
                        if (!next(object ? '{' : '[')) {
                            return Form.NOT_CANONICAL;
                        }
                        if (depth == inObject.length) {
                            inObject = Arrays.copyOf(inObject, depth * 2);
                            lastName = Arrays.copyOf(lastName, depth * 2);
                        }
                        inObject[depth] = object;
                        lastName[depth] = null;
                        depth++;
                        first = true;
                    }
                    case ID_END_OBJECT, ID_END_ARRAY -> {
                        if (!next(token == JsonToken.END_OBJECT ? '}' : ']')) {
                            return Form.NOT_CANONICAL;
                        }
                        first = false;
                        if (--depth == 0) {
                            if (parser.nextToken() != null) {
                                return Form.NONE;
                            }
                            return pos == json.length ? Form.CANONICAL : Form.NOT_CANONICAL;
                        }
                    }
                    case ID_FIELD_NAME -> {
                        if (!first && !next(',')) {
                            return Form.NOT_CANONICAL;
                        }
                        first = false;
                        String name = parser.currentName();
                        String last = lastName[depth - 1];
                        if (last != null && last.compareTo(name) >= 0) {
                            return Form.NOT_CANONICAL;
                        }
                        lastName[depth - 1] = name;
                        if (!string(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength())
                                || !next(':')) {
                            return Form.NOT_CANONICAL;
                        }
                    }
                    default -> {
                        if (!inObject[depth - 1]) {
                            if (!first && !next(',')) {
                                return Form.NOT_CANONICAL;
                            }
                            first = false;
                        }
                        if (!scalar(parser, token)) {
                            return Form.NOT_CANONICAL;
                        }
                    }
                }
                token = parser.nextToken();
            }
        }

        private boolean next(char c) {
            if (pos < json.length && json[pos] == c) {
                pos++;
                return true;
            }
            return false;
        }

        private boolean scalar(JsonParser parser, JsonToken token) throws IOException {
            switch (token.id()) {
                case ID_STRING:
                    return string(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
                case ID_NUMBER_INT:
                    JsonParser.NumberType type = parser.getNumberType();
                    if (type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG) {
                        long value = parser.getLongValue();
                        if (exact(value)) {
                            return integer(value);
                        }
                    }
                    return number(parser.getDoubleValue());
                case ID_NUMBER_FLOAT:
                    return number(parser.getDoubleValue());
                case ID_TRUE:
                    return ascii("true");
                case ID_FALSE:
                    return ascii("false");
                case ID_NULL:
                    return ascii("null");
                default:
                    return false;
            }
        }

        private boolean number(double value) throws IOException {
            if (!Double.isFinite(value)) {
                return false;
            }
            long whole = (long) value;
            if (whole == value && Math.abs(value) <= 0x1p53) {
                return integer(whole);
            }
            return ascii(NumberToJSON.serializeNumber(value));
        }

        private boolean integer(long value) {
            int from = digits(value, scratch);
            int length = scratch.length - from;
            if (pos + length > json.length) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (json[pos + i] != scratch[from + i]) {
                    return false;
                }
            }
            pos += length;
            return true;
        }

        private boolean ascii(String text) {
            int length = text.length();
            if (pos + length > json.length) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (json[pos + i] != text.charAt(i)) {
                    return false;
                }
            }
            pos += length;
            return true;
        }

        private boolean string(char[] chars, int offset, int length) {
            byte[] json = this.json;
            int at = pos;
            // every char takes at least a byte, so there is room for the rest as long as this holds:
            // at + (chars left) + 1 <= json.length
            if (at + length + 2 > json.length || json[at] != '"') {
                return false;
            }
            at++;
            int end = offset + length;
            for (int i = offset; i < end; i++) {
                char c = chars[i];
                if (plain(c)) {
                    if (json[at] != c) {
                        return false;
                    }
                    at++;
                    continue;
                }
                int n = escape(c, i + 1 < end ? chars[i + 1] : 0, scratch, 0);
                int taken = n == 4 ? 2 : 1;
                if (at + n + (end - i - taken) + 1 > json.length) {
                    return false;
                }
                for (int k = 0; k < n; k++) {
                    if (json[at + k] != scratch[k]) {
                        return false;
                    }
                }
                at += n;
                i += taken - 1;
            }
            if (json[at] != '"') {
                return false;
            }
            pos = at + 1;
            return true;
        }
    }

    /** Thrown inside {@link Writer} when the body turns out to have no canonical form. */
    private static final class NoCanonicalForm extends RuntimeException {
        /** Whether to read on to the end of the root, to refuse a body nested too deep as the full parse did. */
        final boolean readOn;

        NoCanonicalForm(String reason, boolean readOn) {
            super(reason, null, false, false);
            this.readOn = readOn;
        }
    }

    private static final NoCanonicalForm DUPLICATE = new NoCanonicalForm("duplicate member names", false);
    private static final NoCanonicalForm NOT_FINITE = new NoCanonicalForm("a number out of the double range", true);
    private static final NoCanonicalForm TOO_MUCH = new NoCanonicalForm("beyond the bounds of its work", true);
    private static final NoCanonicalForm LONE_SURROGATE = new NoCanonicalForm("a lone surrogate in a name", false);

    /** The second pass: tokens to canonical bytes, members sorted as their objects close. */
    private static final class Writer {
        /** Flush what is outside every object to the sink from this size of the buffer on. */
        private static final int FLUSH = 4096;
        private static final int CHUNK = 8192;
        /** Runs sorted by insertion before the merges. */
        private static final int RUN = 8;

        private final byte[] json;
        private final JsonParser parser;
        private final Sink sink;
        private final long maxBuffer;
        private final long maxMoved;
        private long moved;

        /** The canonical bytes not yet given to the sink: the open objects', and what precedes them. */
        private byte[] buf;
        private int size;
        /** Where each member of the open objects starts in {@link #buf} (at its name's quote), in order. */
        private int[] starts = new int[64];
        private int members;
        /** Merge sort scratch. */
        private int[] order = new int[0];
        private int[] spare = new int[0];
        /** Per open container: whether it is an object; for an object, its first member and where it starts. */
        private boolean[] inObject = new boolean[16];
        private int[] firstMember = new int[16];
        private int[] objectStart = new int[16];
        private int objects;
        /** Small writes on their way to the sink. */
        private final byte[] chunk = new byte[CHUNK];
        private int chunked;
        /** Where {@link #decode} stopped. */
        private int decoded;
        /** An integer's digits and sign. */
        private final byte[] digits = new byte[20];

        Writer(byte[] json, JsonParser parser, Sink sink) {
            this.json = json;
            this.parser = parser;
            this.sink = sink;
            this.maxBuffer = 2L * json.length + 1024;
            this.maxMoved = 8L * json.length + 1024;
            this.buf = new byte[Math.min(json.length + 16, 2 * FLUSH)];
        }

        boolean run() throws IOException {
            JsonToken token = parser.nextToken();
            if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
                return false;
            }
            try {
                tokens(token);
            } catch (NoCanonicalForm none) {
                if (none.readOn) {
                    while (!parser.getParsingContext().inRoot() && parser.nextToken() != null) {
                        // only to find a nesting too deep, as a full parse would
                    }
                }
                return false;
            }
            if (parser.nextToken() != null) {
                return false;
            }
            emit(buf, 0, size);
            if (chunked > 0) {
                sink.write(chunk, 0, chunked);
            }
            return true;
        }

        private void tokens(JsonToken start) throws IOException {
            JsonToken token = start;
            int depth = 0;
            boolean first = true;
            while (true) {
                switch (token.id()) {
                    case ID_START_OBJECT, ID_START_ARRAY -> {
                        if (depth > 0 && !inObject[depth - 1] && !first) {
                            put(',');
                        }
                        boolean object = token == JsonToken.START_OBJECT;
                        if (depth == inObject.length) {
                            inObject = Arrays.copyOf(inObject, depth * 2);
                            firstMember = Arrays.copyOf(firstMember, depth * 2);
                            objectStart = Arrays.copyOf(objectStart, depth * 2);
                        }
                        inObject[depth] = object;
                        if (object) {
                            firstMember[depth] = members;
                            objectStart[depth] = size;
                            objects++;
                        }
                        put(object ? '{' : '[');
                        depth++;
                        first = true;
                    }
                    case ID_END_ARRAY -> {
                        put(']');
                        depth--;
                        first = false;
                    }
                    case ID_END_OBJECT -> {
                        depth--;
                        close(firstMember[depth], objectStart[depth]);
                        objects--;
                        first = false;
                    }
                    case ID_FIELD_NAME -> {
                        if (!first) {
                            put(',');
                        }
                        first = false;
                        if (members == starts.length) {
                            starts = Arrays.copyOf(starts, members * 2);
                        }
                        starts[members++] = size;
                        string(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength(), true);
                        put(':');
                    }
                    default -> {
                        if (!inObject[depth - 1]) {
                            if (!first) {
                                put(',');
                            }
                            first = false;
                        }
                        scalar(token);
                    }
                }
                if (depth == 0) {
                    return;
                }
                if (objects == 0 && size >= FLUSH) {
                    emit(buf, 0, size);
                    size = 0;
                }
                token = parser.nextToken();
            }
        }

        private void scalar(JsonToken token) throws IOException {
            switch (token.id()) {
                case ID_STRING -> string(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength(),
                        false);
                case ID_NUMBER_INT -> {
                    JsonParser.NumberType type = parser.getNumberType();
                    long value;
                    if ((type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG)
                            && exact(value = parser.getLongValue())) {
                        integer(value);
                    } else {
                        number(parser.getDoubleValue());
                    }
                }
                case ID_NUMBER_FLOAT -> number(parser.getDoubleValue());
                case ID_TRUE -> ascii("true");
                case ID_FALSE -> ascii("false");
                case ID_NULL -> ascii("null");
                default -> throw new IOException("not a JSON value: " + token);
            }
        }

        private void number(double value) throws IOException {
            if (!Double.isFinite(value)) {
                throw NOT_FINITE;
            }
            long whole = (long) value;
            if (whole == value && Math.abs(value) <= 0x1p53) {
                // every integer up to 2^53 is exact, so its shortest form is all its digits (and -0 is 0); larger
                // ones are rounded to their shortest form by NumberToJSON
                integer(whole);
            } else {
                ascii(NumberToJSON.serializeNumber(value));
            }
        }

        private void integer(long value) {
            int from = digits(value, digits);
            int length = digits.length - from;
            room(length);
            System.arraycopy(digits, from, buf, size, length);
            size += length;
        }

        private void ascii(String text) {
            room(text.length());
            for (int i = 0; i < text.length(); i++) {
                buf[size++] = (byte) text.charAt(i);
            }
        }

        private void put(char c) {
            room(1);
            buf[size++] = (byte) c;
        }

        private void string(char[] chars, int offset, int length, boolean name) {
            room(length + 2);
            byte[] out = buf;
            int at = size;
            out[at++] = '"';
            int end = offset + length;
            for (int i = offset; i < end; i++) {
                char c = chars[i];
                if (plain(c)) {
                    out[at++] = (byte) c;
                    continue;
                }
                // room for this char (6 bytes at most), a byte for each one left, and the closing quote
                size = at;
                room(6 + end - i);
                out = buf;
                int n = escape(c, i + 1 < end ? chars[i + 1] : 0, out, at);
                if (n == 4) {
                    i++;
                } else if (name && Character.isSurrogate(c)) {
                    // Jackson refuses such names; were one to get here, '?' would not sort as its code unit does
                    throw LONE_SURROGATE;
                }
                at += n;
            }
            out[at++] = '"';
            size = at;
        }

        /** Makes room for {@code n} more bytes, within {@link #maxBuffer}. */
        private void room(int n) {
            long needed = (long) size + n;
            if (needed <= buf.length) {
                return;
            }
            if (needed > maxBuffer) {
                throw TOO_MUCH;
            }
            // what is left of the body (and a little more) is a good guess of what is left to buffer: the buffer
            // grows once, to about the body's size, rather than by doublings that would allocate twice that
            long left = Math.max(0, json.length - parser.currentLocation().getByteOffset());
            long capacity = Math.min(maxBuffer, Math.max(needed + left + (left >> 4) + 1024, buf.length * 3L / 2));
            buf = Arrays.copyOf(buf, (int) capacity);
        }

        /**
         * Closes the object whose members start at index {@code first} and whose bytes at {@code start} (its '{'):
         * nothing to do when its members are in order; otherwise they are sorted, and written in order to the sink
         * (the outermost object) or over their place in the buffer (an object inside another).
         */
        private void close(int first, int start) {
            int n = members - first;
            boolean sorted = true;
            for (int i = first + 1; i < members; i++) {
                int order = compareNames(starts[i - 1], starts[i]);
                if (order == 0) {
                    throw DUPLICATE;
                }
                if (order > 0) {
                    sorted = false;
                    break;
                }
            }
            if (sorted) {
                put('}');
                members = first;
                return;
            }
            int[] sortedMembers = sort(first, n);
            for (int i = 1; i < n; i++) {
                if (compareNames(starts[first + sortedMembers[i - 1]], starts[first + sortedMembers[i]]) == 0) {
                    throw DUPLICATE;
                }
            }
            int length = size + 1 - start; // as long as it will be: '{', the members, n - 1 commas, '}'
            if (objects == 1) {
                emit(buf, 0, start);
                emit('{');
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        emit(',');
                    }
                    int member = first + sortedMembers[i];
                    emit(buf, starts[member], end(member) - starts[member]);
                }
                emit('}');
                size = 0;
            } else {
                room(length);
                moved += 2L * length;
                if (moved > maxMoved) {
                    throw TOO_MUCH;
                }
                int at = size;
                buf[at++] = '{';
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        buf[at++] = ',';
                    }
                    int member = first + sortedMembers[i];
                    int from = starts[member];
                    int memberLength = end(member) - from;
                    System.arraycopy(buf, from, buf, at, memberLength);
                    at += memberLength;
                }
                buf[at] = '}';
                System.arraycopy(buf, size, buf, start, length);
                size = start + length;
            }
            members = first;
        }

        /** Where member {@code i} of the innermost open object ends: at the next one's comma, or at the end. */
        private int end(int i) {
            return i + 1 < members ? starts[i + 1] - 1 : size;
        }

        /** The indices (from 0) of the {@code n} members from {@code first}, in the order of their names. */
        private int[] sort(int first, int n) {
            if (order.length < n) {
                order = new int[Math.max(n, 2 * order.length)];
                spare = new int[order.length];
            }
            int[] from = order;
            int[] to = spare;
            for (int i = 0; i < n; i++) {
                from[i] = i;
            }
            for (int lo = 0; lo < n; lo += RUN) {
                int hi = Math.min(lo + RUN, n);
                for (int i = lo + 1; i < hi; i++) {
                    int member = from[i];
                    int j = i - 1;
                    while (j >= lo && compareNames(starts[first + from[j]], starts[first + member]) > 0) {
                        from[j + 1] = from[j];
                        j--;
                    }
                    from[j + 1] = member;
                }
            }
            for (int width = RUN; width < n; width *= 2) {
                for (int lo = 0; lo < n; lo += 2 * width) {
                    int mid = Math.min(lo + width, n);
                    int hi = Math.min(lo + 2 * width, n);
                    int i = lo;
                    int j = mid;
                    int k = lo;
                    while (i < mid && j < hi) {
                        to[k++] = compareNames(starts[first + from[j]], starts[first + from[i]]) < 0 ? from[j++]
                                : from[i++];
                    }
                    while (i < mid) {
                        to[k++] = from[i++];
                    }
                    while (j < hi) {
                        to[k++] = from[j++];
                    }
                }
                int[] swap = from;
                from = to;
                to = swap;
            }
            return from;
        }

        /**
         * Compares the names of the members at {@code a} and {@code b} (at their opening quotes) by their UTF-16
         * code units, as RFC 8785 orders them, decoding their canonical bytes where they differ.
         */
        private int compareNames(int a, int b) {
            byte[] bytes = buf;
            a++;
            b++;
            int pendingA = -1; // the low surrogate of a pair whose high one was compared
            int pendingB = -1;
            while (true) {
                if (pendingA < 0 && pendingB < 0) {
                    byte x = bytes[a];
                    if (x == bytes[b] && x >= 0 && x != '\\') {
                        // the same ASCII char (or both names' closing quotes)
                        if (x == '"') {
                            return 0;
                        }
                        a++;
                        b++;
                        continue;
                    }
                }
                int unitA;
                if (pendingA >= 0) {
                    unitA = pendingA;
                    pendingA = -1;
                } else {
                    int cp = decode(a);
                    a = decoded;
                    if (cp >= 0x10000) {
                        unitA = Character.highSurrogate(cp);
                        pendingA = Character.lowSurrogate(cp);
                    } else {
                        unitA = cp;
                    }
                }
                int unitB;
                if (pendingB >= 0) {
                    unitB = pendingB;
                    pendingB = -1;
                } else {
                    int cp = decode(b);
                    b = decoded;
                    if (cp >= 0x10000) {
                        unitB = Character.highSurrogate(cp);
                        pendingB = Character.lowSurrogate(cp);
                    } else {
                        unitB = cp;
                    }
                }
                if (unitA != unitB) {
                    return unitA < unitB ? -1 : 1;
                }
                if (unitA < 0) {
                    return 0;
                }
            }
        }

        /** The code point of a name's canonical bytes at {@code at}, -1 at its closing quote; sets {@link #decoded}. */
        private int decode(int at) {
            byte[] bytes = buf;
            int b = bytes[at] & 0xff;
            if (b == '"') {
                decoded = at;
                return -1;
            }
            if (b == '\\') {
                char escaped = (char) bytes[at + 1];
                decoded = at + 2;
                return switch (escaped) {
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case 't' -> '\t';
                    case 'u' -> {
                        decoded = at + 6;
                        yield (Character.digit(bytes[at + 2], 16) << 12) | (Character.digit(bytes[at + 3], 16) << 8)
                                | (Character.digit(bytes[at + 4], 16) << 4) | Character.digit(bytes[at + 5], 16);
                    }
                    default -> escaped; // '"' and '\'
                };
            }
            if (b < 0x80) {
                decoded = at + 1;
                return b;
            }
            if (b < 0xe0) {
                decoded = at + 2;
                return ((b & 0x1f) << 6) | (bytes[at + 1] & 0x3f);
            }
            if (b < 0xf0) {
                decoded = at + 3;
                return ((b & 0x0f) << 12) | ((bytes[at + 1] & 0x3f) << 6) | (bytes[at + 2] & 0x3f);
            }
            decoded = at + 4;
            return ((b & 0x07) << 18) | ((bytes[at + 1] & 0x3f) << 12) | ((bytes[at + 2] & 0x3f) << 6)
                    | (bytes[at + 3] & 0x3f);
        }

        private void emit(char c) {
            if (chunked == CHUNK) {
                sink.write(chunk, 0, chunked);
                chunked = 0;
            }
            chunk[chunked++] = (byte) c;
        }

        /** Gives bytes to the sink, small ones gathered in {@link #chunk}. */
        private void emit(byte[] bytes, int offset, int length) {
            if (chunked + length > CHUNK) {
                sink.write(chunk, 0, chunked);
                chunked = 0;
            }
            if (length >= CHUNK) {
                sink.write(bytes, offset, length);
            } else {
                System.arraycopy(bytes, offset, chunk, chunked, length);
                chunked += length;
            }
        }
    }
}
