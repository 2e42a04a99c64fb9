package io.mediafanout.inngest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Checking the signature of a large body made of tiny JSON values costs memory in proportion to its bytes, not to how
 * many values it holds: nothing is built from a body before its signature matched. A tree of such an 8 MiB body (a
 * few million nodes) is what used to take a 256 MiB pod (64 MiB of heap) down; the bytes a check allocates are
 * measured on this thread.
 */
class SignatureMemoryTests {

    static final String KEY = SignaturesTests.KEY;
    static final int SIZE = 8 * 1024 * 1024 - 1024;
    /**
     * Allocated bytes allowed per byte of body. Tiny values allocate next to nothing (their bodies are canonical, or
     * streamed through); the shuffled object is the worst case: Jackson makes a String of each distinct name
     * (about 3.7 bytes per byte of this body), the canonicaliser buffers the members (about 1.1) and sorts 400,000
     * member indices (about 1.1): 6 in all. The tree it replaced allocated 18 to 40 bytes per byte of these bodies.
     */
    static final long PER_BYTE = 8;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static byte[] repeated(String open, String value, String separator, String close, int size) {
        StringBuilder json = new StringBuilder(size).append(open).append(value);
        while (json.length() + separator.length() + value.length() + close.length() <= size) {
            json.append(separator).append(value);
        }
        return json.append(close).toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code {"k0":0,…}} with {@code count} members in shuffled order, so not canonical. */
    private static byte[] shuffledObject(int count) {
        List<Integer> order = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(count));
        StringBuilder json = new StringBuilder(count * 20).append('{');
        for (int i : order) {
            json.append(json.length() > 1 ? "," : "").append("\"k").append(i).append("\":").append(i);
        }
        return json.append('}').toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** What verifying {@code body} with a well-formed, fresh but wrong signature allocated on this thread. */
    private static long allocatedByAWrongSignature(byte[] body) {
        Signatures.Header wrong = new Signatures.Header(1_700_000_000L, "ab".repeat(32));
        long id = Thread.currentThread().getId();
        long before = THREADS.getThreadAllocatedBytes(id);
        Optional<String> key = Signatures.matchingKey(wrong, body, Optional.of(KEY), Optional.empty());
        long allocated = THREADS.getThreadAllocatedBytes(id) - before;
        assertThat(key).as("no key matches a wrong signature").isEmpty();
        return allocated;
    }

    @Test
    void aWrongSignatureOnEightMegabytesOfTinyValuesCostsABoundedMultipleOfTheBody() {
        assertThat(THREADS.isThreadAllocatedMemorySupported()).isTrue();
        THREADS.setThreadAllocatedMemoryEnabled(true);
        List<byte[]> bodies = List.of(
                repeated("[", "{}", ",", "]", SIZE),
                repeated("[", "0", ",", "]", SIZE),
                repeated("[", "[]", ",", "]", SIZE),
                shuffledObject(400_000),
                // not canonical (spaces): streamed into the MACs, every object opened and closed
                repeated("[", "{}", ", ", "]", SIZE),
                repeated("[", "{\"b\":0,\"a\":[]}", ",", "]", SIZE));
        for (byte[] body : bodies) {
            // measured the second time, so that class loading and compilation are not counted
            allocatedByAWrongSignature(body);
            String kind = new String(body, 0, 24, StandardCharsets.US_ASCII) + "… (" + body.length + " bytes)";
            long allocated = allocatedByAWrongSignature(body);
            assertThat(allocated).as(kind).isLessThanOrEqualTo(PER_BYTE * body.length);
        }
    }

    @Test
    void theShuffledObjectIsStreamedAndTheOthersAreCanonical() {
        // what the previous test measures: both passes of the check
        assertThat(CanonicalJson.check(repeated("[", "{}", ",", "]", 4096))).isEqualTo(CanonicalJson.Form.CANONICAL);
        assertThat(CanonicalJson.check(repeated("[", "0", ",", "]", 4096))).isEqualTo(CanonicalJson.Form.CANONICAL);
        assertThat(CanonicalJson.check(repeated("[", "[]", ",", "]", 4096))).isEqualTo(CanonicalJson.Form.CANONICAL);
        assertThat(CanonicalJson.check(shuffledObject(1000))).isEqualTo(CanonicalJson.Form.NOT_CANONICAL);
        assertThat(CanonicalJson.canonicalize(shuffledObject(400_000))).isPresent();
        assertThat(CanonicalJson.canonicalize(repeated("[", "{}", ", ", "]", 4096))).isPresent();
    }
}
