package io.mediafanout.inngest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Our RFC 8785 canonicalisation gives the bytes of the reference implementation ({@code JsonCanonicalizer}) for every
 * body of the transcripts, for the RFC's own examples and for thousands of random documents, and refuses what it
 * refuses.
 */
class JcsTests {

    static final ObjectMapper JSON = new ObjectMapper();

    private static String reference(String json) throws IOException {
        return new String(new JsonCanonicalizer(json.getBytes(StandardCharsets.UTF_8)).getEncodedUTF8(),
                StandardCharsets.UTF_8);
    }

    private static String ours(String json) throws IOException {
        return new String(Jcs.canonicalize(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
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
                    assertThat(ours(text)).as(file.getFileName().toString()).isEqualTo(reference(text));
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
            assertThat(ours(doc)).as(doc).isEqualTo(reference(doc));
            assertThat(ours(spaced)).as(spaced).isEqualTo(reference(doc));
        }
    }

    @Test
    void whatTheReferenceRefusesIsRefused() throws IOException {
        for (String bad : List.of("{\"a\":1,\"a\":2}", "{\"a\":1} x", "{\"a\":1e400}", "{\"a\":", "[1,]", "{'a':1}",
                "[NaN]", "", "\"text\"", "42")) {
            assertThatThrownBy(() -> Jcs.canonicalize(bad.getBytes(StandardCharsets.UTF_8))).as(bad)
                    .isInstanceOf(IOException.class);
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
