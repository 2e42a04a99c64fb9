package io.mediafanout.inngest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Our RFC 8785 canonicalisation ({@link CanonicalJson}) gives the bytes of the reference implementation
 * ({@code JsonCanonicalizer}) for every body of the transcripts, for the RFC's own examples, for thousands of random
 * documents and for large objects, and refuses what it refuses: both as the request path runs it (the canonical check,
 * then the streaming canonicaliser when the bytes are not canonical) and with the streaming canonicaliser alone, on
 * canonical and non-canonical input.
 */
class JcsTests {

    static final ObjectMapper JSON = new ObjectMapper();

    private static String reference(String json) throws IOException {
        return new String(new JsonCanonicalizer(json.getBytes(StandardCharsets.UTF_8)).getEncodedUTF8(),
                StandardCharsets.UTF_8);
    }

    /** As the request path canonicalises: the bytes themselves when they are canonical, else streamed. */
    private static String ours(String json) {
        return new String(CanonicalJson.canonicalize(json.getBytes(StandardCharsets.UTF_8)).orElseThrow(),
                StandardCharsets.UTF_8);
    }

    /** The streaming canonicaliser alone, whatever the input, through a sink that is given small pieces. */
    private static String streamed(String json) {
        CanonicalJson.Bytes out = new CanonicalJson.Bytes(16);
        assertThat(CanonicalJson.write(json.getBytes(StandardCharsets.UTF_8), out)).as(json).isTrue();
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    @Test
    void everyTranscriptBodyCanonicalisesAsTheReferenceDoes() throws IOException {
        int bodies = 0;
        try (Stream<Path> files = Files.list(Path.of("src/test/resources/transcripts"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                JsonNode transcript = JSON.readTree(file.toFile());
                for (JsonNode body : transcript.findValues("body")) {
                    String text = body.isTextual() ? body.asText() : body.toString();
                    if (text.isBlank() || !(text.startsWith("{") || text.startsWith("["))) {
                        continue;
                    }
                    String canonical = reference(text);
                    assertThat(ours(text)).as(file.getFileName().toString()).isEqualTo(canonical);
                    assertThat(streamed(text)).as(file.getFileName().toString()).isEqualTo(canonical);
                    assertThat(streamed(canonical)).as(file.getFileName().toString()).isEqualTo(canonical);
                    bodies++;
                }
            }
        }
        assertThat(bodies).isGreaterThan(50);
    }

    @Test
    void numbersStringsAndMemberOrderFollowTheRfc() throws IOException {
        // RFC 8785, 3.2.2 and 3.2.3
        String input = "{\"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001, -0, 1e21,"
                + " 1e-7, 123456789012345678901234567890, 9007199254740993],"
                + " \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\\u007f\\u2028\","
                + " \"literals\": [null, true, false], \"\\u20ac\": 1, \"\\ud83d\\ude00\": 2, \"a\": 3, \"\\r\": 4, \"1\": 5,"
                + " \"lone\": \"\\ud800x\\udc00\", \"big\": [1e18, 999999999999999999, 1e20, -5e-324, 1.7976931348623157e308]}";
        assertThat(ours(input)).isEqualTo(reference(input));
        assertThat(streamed(input)).isEqualTo(reference(input));
        assertThat(ours(input)).startsWith("{\"\\r\":4,\"1\":5,\"a\":3,\"big\":[1000000000000000000,"
                + "1000000000000000000,100000000000000000000,-5e-324,1.7976931348623157e+308],\"literals\":[null,true,false],"
                + "\"lone\":\"?x?\","
                + "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27,0,1e+21,1e-7,1.2345678901234568e+29,9007199254740992],");
    }

    @Test
    void thousandsOfRandomDocumentsCanonicaliseAsTheReferenceDoes() throws IOException {
        Random random = new Random(8785);
        for (int i = 0; i < 5_000; i++) {
            JsonNode tree = JSON.readTree("[" + randomValue(random, 0) + "]");
            String doc = JSON.writeValueAsString(tree);
            String spaced = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
            String canonical = reference(doc);
            assertThat(ours(doc)).as(doc).isEqualTo(canonical);
            assertThat(ours(spaced)).as(spaced).isEqualTo(canonical);
            assertThat(streamed(doc)).as(doc).isEqualTo(canonical);
            assertThat(streamed(spaced)).as(spaced).isEqualTo(canonical);
            assertThat(ours(canonical)).as(canonical).isEqualTo(canonical);
        }
    }

    @Test
    void whatTheReferenceRefusesIsRefused() {
        for (String bad : List.of("{\"a\":1,\"a\":2}", "{\"a\":1} x", "{\"a\":1e400}", "{\"a\":", "[1,]", "{'a':1}",
                "[NaN]", "", "\"text\"", "42", "{\"b\":1,\"a\":2,\"b\":3}", "[{\"a\":{},\"\\u0061\":[]}]",
                "{\"a\":1}{}", "[1] [", "[1e400]", "{\"b\":{\"y\":1,\"x\":-1e999}}", " ")) {
            byte[] bytes = bad.getBytes(StandardCharsets.UTF_8);
            assertThat(CanonicalJson.canonicalize(bytes)).as(bad).isEmpty();
            assertThat(CanonicalJson.write(bytes, new CanonicalJson.Bytes(16))).as(bad).isFalse();
            boolean referenceRefuses;
            try {
                reference(bad);
                referenceRefuses = false;
            } catch (Exception e) {
                referenceRefuses = true;
            }
            assertThat(referenceRefuses).as("the reference refuses " + bad).isTrue();
        }
    }

    @Test
    void aLargeObjectWithShuffledNamesCanonicalisesAsTheReferenceDoes() throws IOException {
        Random random = new Random(10_000);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            names.add(i % 7 == 0 ? randomString(random) + "#" + i : "k" + i);
        }
        Collections.shuffle(names, random);
        StringBuilder compact = new StringBuilder("{");
        StringBuilder nested = new StringBuilder("{\"outer\":[{");
        for (int i = 0; i < names.size(); i++) {
            String member = quoted(names.get(i)) + ":" + (i % 3 == 0 ? "{\"z\":" + i + ",\"a\":[" + i + ".5]}" : i);
            compact.append(i > 0 ? "," : "").append(member);
            nested.append(i > 0 ? ", " : "").append(member);
        }
        String object = compact.append('}').toString();
        String deeper = nested.append("}],\"a\":{\"c\":" + object + ",\"b\":" + object + "}}").toString();
        assertThat(ours(object)).isEqualTo(reference(object));
        assertThat(streamed(object)).isEqualTo(reference(object));
        assertThat(ours(deeper)).isEqualTo(reference(deeper));
        assertThat(streamed(deeper)).isEqualTo(reference(deeper));
    }

    @Test
    void namesAreOrderedByUtf16CodeUnitsWhateverTheirEscapes() throws IOException {
        // U+FF5E sorts after the surrogate pair of U+1F600 in UTF-16, before it in code points (and UTF-8 bytes);
        // escapes decode before they compare: '"' (\") is 0x22, before '#', '\\' (\\) is 0x5c, after 'A'
        for (String json : List.of(
                "{\"\uff5e\":1,\"\ud83d\ude00\":2,\"\ue000\":3,\"\ud7ff\":4}",
                "{\"#\":1,\"\\\"\":2,\"A\":3,\"\\\\\":4,\"\\u001f\":5,\"\\n\":6,\"\\t\":7,\"\\u0000\":8}",
                "{\"a\\\"b\":1,\"a\\\\b\":2,\"a\\\"\":3,\"a\":4,\"ab\":5,\"a\\u0001\":6}",
                "{\"\u00e9\":1,\"e\":2,\"\u0800\":3,\"\u07ff\":4,\"\ud83d\ude01\":5,\"\ud83d\ude00\":6}",
                "{\"x\":{\"?\":4,\"\\ud83d\\ude00\":5,\"\\ud83c\\udfff\":6,\"\\uffff\":7,\"\\ud7ff\":[\"\\ud800\"]},"
                        + "\"\\udbff\\udfff\":[\"\\udc00\\ud800\"],\"\\ud800\\udc00x\":0}")) {
            assertThat(ours(json)).as(json).isEqualTo(reference(json));
            assertThat(streamed(json)).as(json).isEqualTo(reference(json));
        }
    }

    @Test
    void aNameWithALoneSurrogateIsRefusedAsJacksonRefusesIt() {
        // lone surrogates in strings become '?'; in names Jackson refuses them, so they have never been canonicalised
        for (String json : List.of("{\"\\ud800\":1}", "{\"a\\udc00\":1}", "{\"a\\ud800\\ud800b\":1}")) {
            assertThat(CanonicalJson.canonicalize(json.getBytes(StandardCharsets.UTF_8))).as(json).isEmpty();
        }
        assertThat(ours("[\"\\ud800\", {\"\\ud83d\\ude00\":\"\\udc00x\\ud800\"}]"))
                .isEqualTo("[\"?\",{\"\ud83d\ude00\":\"?x?\"}]");
    }

    private static String randomValue(Random random, int depth) {
        int kind = depth > 4 ? 3 + random.nextInt(4) : random.nextInt(7);
        return switch (kind) {
            case 0, 1 -> {
                StringBuilder s = new StringBuilder("{");
                int n = random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    s.append(i > 0 ? "," : "").append(quoted(randomString(random))).append(':')
                            .append(randomValue(random, depth + 1));
                }
                yield s.append('}').toString();
            }
            case 2 -> {
                StringBuilder s = new StringBuilder("[");
                int n = random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    s.append(i > 0 ? "," : "").append(randomValue(random, depth + 1));
                }
                yield s.append(']').toString();
            }
            case 3 -> quoted(randomString(random));
            case 4 -> switch (random.nextInt(5)) {
                case 0 -> Long.toString(random.nextLong());
                case 1 -> Double.toString(random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20));
                case 2 -> Integer.toString(random.nextInt(1000));
                case 3 -> random.nextInt(100) + "." + random.nextInt(100) + "e" + (random.nextInt(60) - 30);
                default -> "-0.0";
            };
            case 5 -> random.nextBoolean() ? "true" : "false";
            default -> "null";
        };
    }

    private static String randomString(Random random) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(8);
        for (int i = 0; i < n; i++) {
            s.append(switch (random.nextInt(6)) {
                case 0 -> (char) random.nextInt(0x20);
                case 1 -> (char) (0x20 + random.nextInt(0x60));
                case 2 -> (char) (0xa0 + random.nextInt(0x2000));
                case 3 -> "\ud83d\ude00";
                case 4 -> '"';
                default -> '\\';
            });
        }
        return s.toString();
    }

    private static String quoted(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
