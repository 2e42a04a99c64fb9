package io.mediafanout.inngest.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.inngest.auth.JsonDepth;

/**
 * The canonical check that every real Inngest call takes (its bytes are already canonical, so they are signed as
 * they are) tells canonical bytes from any others, and the streaming canonicaliser that the others take gives up
 * within its bounds, refusing what it must as the tree-based canonicaliser did.
 */
class CanonicalJsonTests {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static CanonicalJson.Form check(String json) {
        return CanonicalJson.check(bytes(json));
    }

    private static boolean streams(String json) {
        return CanonicalJson.write(bytes(json), new CanonicalJson.Bytes(16));
    }

    @Test
    void theCanonicalFormOfEveryTranscriptBodyIsRecognisedAsCanonical() throws IOException {
        int bodies = 0;
        try (Stream<Path> files = Files.list(Path.of("src/test/resources/transcripts"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                JsonNode transcript = JcsTests.JSON.readTree(file.toFile());
                for (JsonNode body : transcript.findValues("body")) {
                    String text = body.isTextual() ? body.asText() : body.toString();
                    if (text.isBlank() || !(text.startsWith("{") || text.startsWith("["))) {
                        continue;
                    }
                    byte[] canonical = new JsonCanonicalizer(bytes(text)).getEncodedUTF8();
                    assertThat(CanonicalJson.check(canonical)).as(file.getFileName().toString())
                            .isEqualTo(CanonicalJson.Form.CANONICAL);
                    bodies++;
                }
            }
        }
        assertThat(bodies).isGreaterThan(50);
    }

    @Test
    void canonicalBodiesAreRecognisedAsCanonical() {
        for (String json : List.of(SignaturesTests.BODY, "{}", "[]", "[{},[],{\"\":[]}]",
                "[1e+21,1e-7,0.5,-1,9007199254740992,1.7976931348623157e+308,-5e-324,0,333333333.3333333]",
                "[\"\\u001f\\n\\\"\\\\\u00e9\ud83d\ude00\u007f/\\b\\f\\r\\t\u2028\"]",
                "{\"\\n\":{\"a\":[true,false,null]},\"A\":1,\"a\":{\"\":\"\"},\"ab\":2,\"\u00e9\":3,\"\ud83d\ude00\":4,"
                        + "\"\uff5e\":5}")) {
            assertThat(check(json)).as(json).isEqualTo(CanonicalJson.Form.CANONICAL);
        }
    }

    @Test
    void whitespaceReorderedNamesOtherNumberFormsAndNeedlessEscapesAreNotCanonical() {
        for (String json : List.of(" {}", "{} ", "{ }", "[1, 2]", "{\"a\" :1}", "{\"a\":1}\n", "[\n]",
                "{\"b\":1,\"a\":2}", "{\"a\":{\"y\":1,\"x\":2}}", "[{\"ab\":1,\"a\":2}]",
                "{\"\uff5e\":1,\"\ud83d\ude00\":2}",
                "[1.0]", "[1E2]", "[1e2]", "[-0]", "[0.50]", "[1e21]", "[100000000000000000000000]", "[1e400]",
                "[\"\\u0041\"]", "[\"\\/\"]", "[\"\\u00e9\"]", "[\"\\u001F\"]", "[\"\\u000a\"]", "{\"\\u0061\":1}",
                "[\"\\ud83d\\ude00\"]", "[\"\\ud800\"]",
                "{\"a\":1,\"a\":1}", "{\"a\":{},\"a\":[]}")) {
            assertThat(check(json)).as(json).isEqualTo(CanonicalJson.Form.NOT_CANONICAL);
        }
    }

    @Test
    void bodiesWithoutACanonicalFormAreToldAtOnce() {
        for (String json : List.of("", " ", "\"text\"", "42", "null", "{} x", "{", "{\"a\":1}{}", "[1,]", "{'a':1}",
                "[NaN]", "[\"\\x\"]")) {
            assertThat(check(json)).as(json).isEqualTo(CanonicalJson.Form.NONE);
            assertThat(streams(json)).as(json).isFalse();
        }
    }

    @Test
    void duplicateNamesAndNumbersOutOfRangeHaveNoCanonicalForm() {
        for (String json : List.of("{\"a\":1,\"a\":1}", "{\"b\":1,\"a\":2,\"b\":3}",
                "[{\"x\":{\"a\":[],\"\\u0061\":{}}}]",
                "{\"a\":1e400}", "[-1e999]")) {
            assertThat(streams(json)).as(json).isFalse();
        }
    }

    @Test
    void aBodyTooDeepIsRefusedByBothPasses() {
        String deep = "{\"a\":" + "[".repeat(1000) + "]".repeat(1000) + "}"; // 1,001 levels
        assertThatThrownBy(() -> check(deep)).isInstanceOf(JsonDepth.TooDeepException.class);
        assertThatThrownBy(() -> streams(deep)).isInstanceOf(JsonDepth.TooDeepException.class);
        String deepEnough = "{\"a\":" + "[".repeat(999) + "]".repeat(999) + "}";
        assertThat(check(deepEnough)).isEqualTo(CanonicalJson.Form.CANONICAL);
        assertThat(streams(deepEnough)).isTrue();
    }

    @Test
    void aBodyStillReadsOnToFindTooDeepANestingAfterANumberOutOfRangeAsTheFullParseDid() {
        String deepAfter = "{\"b\":1e400,\"a\":" + "[".repeat(1001) + "]".repeat(1001) + "}";
        assertThatThrownBy(() -> streams(deepAfter)).isInstanceOf(JsonDepth.TooDeepException.class);
        // a duplicate name stopped the full parse where it was met, before what followed its object
        String duplicateThenDeep = "[{\"a\":1,\"a\":2}, " + "[".repeat(1001) + "]".repeat(1001) + "]";
        assertThat(streams(duplicateThenDeep)).isFalse();
    }

    @Test
    void bufferedMembersThatGrowPastTwiceTheBodyAreNotCanonicalised() {
        // "1e20," (5 bytes) is 22 bytes canonically: inside an object they are buffered until it closes
        String grows = "{\"a\":[" + "1e20,".repeat(2_000) + "1]}";
        assertThat(check(grows)).isEqualTo(CanonicalJson.Form.NOT_CANONICAL);
        assertThat(streams(grows)).isFalse();
        // streamed through when no object holds them, and within the 1 KiB of slack when small
        assertThat(streams("[" + "1e20,".repeat(2_000) + "1]")).isTrue();
        assertThat(streams("{\"a\":[" + "1e20,".repeat(40) + "1]}")).isTrue();
    }

    @Test
    void largeUnsortedObjectsNestedInOneAnotherAreNotCanonicalisedPastTheMovingBound() {
        // each unsorted object inside another is moved twice when it closes: 60 levels of a 4 KiB object move
        // far more than 8 times the body
        String big = "\"" + "x".repeat(4096) + "\"";
        StringBuilder nested = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            nested.append("{\"b\":");
        }
        nested.append(big);
        for (int i = 0; i < 60; i++) {
            nested.append(",\"a\":0}");
        }
        assertThat(streams(nested.toString())).isFalse();
        // the same nesting, its members in order, is not moved at all
        String sorted = nested.toString().replace("\"b\":", "\"c\":").replace("\"a\":0", "\"d\":0");
        assertThat(streams(sorted)).isTrue();
        assertThat(check(sorted)).isEqualTo(CanonicalJson.Form.CANONICAL);
    }
}
