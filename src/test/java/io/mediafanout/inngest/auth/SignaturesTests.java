package io.mediafanout.inngest.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.mediafanout.inngest.CloudModeProfile;
import io.mediafanout.inngest.auth.JsonDepth;

/**
 * Fixed vectors from the protocol notes (§5) and the recorded transcripts: what a request signature covers (the
 * canonical form of the body; its raw bytes when it has none) and how it is checked.
 */
class SignaturesTests {

    static final String KEY = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff";
    static final String BODY = "{\"ctx\":{\"attempt\":0,\"disable_immediate_execution\":false,\"fn_id\":\"f0a1b2c3-0000-4000-8000-000000000001\",\"max_attempts\":5,\"qi_id\":\"\",\"run_id\":\"01J0000000000000000000000\",\"stack\":{\"current\":0,\"stack\":[]},\"step_id\":\"step\",\"use_api\":false},\"event\":{\"data\":{\"videoId\":\"v1\"},\"id\":\"01J0000000000000000000001\",\"name\":\"media/video.uploaded\",\"ts\":1700000000000,\"user\":{}},\"events\":[{\"data\":{\"videoId\":\"v1\"},\"id\":\"01J0000000000000000000001\",\"name\":\"media/video.uploaded\",\"ts\":1700000000000,\"user\":{}}],\"steps\":{},\"version\":-1}";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void signsABodyWithTheKeyTextAfterItsPrefix() {
        assertThat(Signatures.header(KEY, bytes(BODY), 1700000000L))
                .isEqualTo("t=1700000000&s=e82d2a5681e0b27682fb939ee140f1842034d1e5d7ae74ce97f972f8c3468344");
        assertThat(Signatures.mac(KEY, new byte[0], 1700000000L))
                .isEqualTo("184c94497772c48c5a48f48d89e62f7a0ab3199f6ba6d29d23b3db67eed57ea3");
    }

    @Test
    void signsAResponseBodyAsSent() {
        String body = "[{\"id\":\"49b8afc35da4245710dc756f82d3e19c32e7370b\",\"op\":\"StepRun\",\"name\":\"hls-package\",\"displayName\":\"hls-package\",\"data\":{\"ok\":true}}]";
        assertThat(Signatures.mac(KEY, bytes(body), 1700000005L))
                .isEqualTo("5dbf46a57747755c6a5105ad81b7fa55708c1fc5adbb865dbbd17184c51e360a");
    }

    @Test
    void hashesTheSigningKeyForTheApiKeepingItsPrefix() {
        assertThat(Signatures.hashedKey("signkey-prod-12345678"))
                .isEqualTo("signkey-prod-b2ed992186a5cb19f6668aade821f502c1d00970dfd0e35128d51bac4649916c");
        assertThat(Signatures.hashedKey(KEY))
                .isEqualTo("signkey-test-e4bf4a2e7f55c7eb954b6e72f8f69628fbc409fe7da6d0f6958770987dcf0e02");
        assertThat(Signatures.shortHash(CloudModeProfile.SIGNING_KEY)).isEqualTo("4884fdaafea4");
        assertThat(Signatures.sha256Hex("my-event-key"))
                .isEqualTo("756db3455bd70816c089ed7fcd514ab0e66cf5cdf62ccb7a3bca66d96ee3132c");
    }

    @Test
    void acceptsAValidSignatureWithinFiveMinutesInBothDirections() {
        String header = Signatures.header(KEY, bytes(BODY), 1700000000L);
        byte[] signed = Signatures.signedBytes(bytes(BODY));
        assertThat(Signatures.verify(header, signed, 1700000300L, Optional.of(KEY), Optional.empty())).hasValue(KEY);
        assertThat(Signatures.verify(header, signed, 1699999700L, Optional.of(KEY), Optional.empty())).hasValue(KEY);
        assertThat(Signatures.verify(header, signed, 1700000301L, Optional.of(KEY), Optional.empty())).isEmpty();
    }

    @Test
    void rejectsMissingMalformedAndForgedSignatures() {
        byte[] signed = Signatures.signedBytes(bytes(BODY));
        for (String header : new String[] { null, "", "garbage", "t=abc&s=00", "t=1700000000",
                "t=1700000000&s=" + "0".repeat(64) }) {
            assertThat(Signatures.verify(header, signed, 1700000000L, Optional.of(KEY), Optional.empty()))
                    .as(String.valueOf(header)).isEmpty();
        }
    }

    @Test
    void verifiesOverTheCanonicalFormOfTheBody() {
        String reordered = "{\"version\":-1,\"steps\":{},\"event\":{\"user\":{},\"ts\":1700000000000,\"name\":\"media/video.uploaded\",\"id\":\"01J0000000000000000000001\",\"data\":{\"videoId\":\"v1\"}},\"events\":[{\"data\":{\"videoId\":\"v1\"},\"id\":\"01J0000000000000000000001\",\"name\":\"media/video.uploaded\",\"ts\":1700000000000,\"user\":{}}],\"ctx\":{\"use_api\":false,\"step_id\":\"step\",\"stack\":{\"stack\":[],\"current\":0},\"run_id\":\"01J0000000000000000000000\",\"qi_id\":\"\",\"max_attempts\":5,\"fn_id\":\"f0a1b2c3-0000-4000-8000-000000000001\",\"disable_immediate_execution\":false,\"attempt\":0}}";
        String header = Signatures.header(KEY, bytes(BODY), 1700000000L);
        assertThat(Signatures.verify(header, Signatures.signedBytes(bytes(reordered)), 1700000000L, Optional.of(KEY),
                Optional.empty())).hasValue(KEY);
    }

    @Test
    void aBodySignedOverItsRawNonCanonicalBytesIsRejectedAsTheTypeScriptSdkDoes() {
        // transcript 41: the SDKs verify over the canonical form only; Inngest itself always signs canonical JSON
        String sent = "{\"b\": 1,  \"a\": [true, null]}";
        String header = Signatures.header(KEY, bytes(sent), 1700000000L);
        assertThat(Signatures.verify(header, Signatures.signedBytes(bytes(sent)), 1700000000L, Optional.of(KEY),
                Optional.empty())).isEmpty();
        String signedCanonical = Signatures.header(KEY, bytes("{\"a\":[true,null],\"b\":1}"), 1700000000L);
        assertThat(Signatures.verify(signedCanonical, Signatures.signedBytes(bytes(sent)), 1700000000L,
                Optional.of(KEY), Optional.empty())).hasValue(KEY);
    }

    static final String TRANSCRIPT_KEY =
            "signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static final String PREVIOUS_KEY =
            "signkey-test-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /** The signature header and the body of the request of transcript {@code seq} (scenario G). */
    private static Map.Entry<Signatures.Header, byte[]> transcriptRequest(int seq) throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/test/resources/transcripts"))) {
            Path file = files.filter(f -> f.getFileName().toString().startsWith(seq + "-G-")).findFirst().orElseThrow();
            JsonNode request = JcsTests.JSON.readTree(file.toFile()).path("request");
            String header = null;
            for (JsonNode pair : request.path("headers")) {
                if (pair.get(0).asText().equalsIgnoreCase("X-Inngest-Signature")) {
                    header = pair.get(1).asText();
                }
            }
            return Map.entry(Signatures.Header.parse(header).orElseThrow(),
                    request.path("body").asText().getBytes(StandardCharsets.UTF_8));
        }
    }

    private static Optional<String> transcriptVerdict(int seq, Optional<String> key, Optional<String> fallback)
            throws IOException {
        Map.Entry<Signatures.Header, byte[]> request = transcriptRequest(seq);
        return Signatures.matchingKey(request.getKey(), request.getValue(), key, fallback);
    }

    @Test
    void theTranscriptsSignaturesAreJudgedAsTheTypeScriptSdkJudgedThem() throws IOException {
        Optional<String> key = Optional.of(TRANSCRIPT_KEY);
        // 41: non-canonical bytes signed as they are (401); 42: the same bytes signed over their canonical form
        // (accepted, the streaming path); 43: canonical bytes signed as they are (accepted, the canonical check)
        assertThat(CanonicalJson.check(transcriptRequest(42).getValue())).isEqualTo(CanonicalJson.Form.NOT_CANONICAL);
        assertThat(CanonicalJson.check(transcriptRequest(43).getValue())).isEqualTo(CanonicalJson.Form.CANONICAL);
        assertThat(transcriptVerdict(41, key, Optional.empty())).isEmpty();
        assertThat(transcriptVerdict(42, key, Optional.empty())).hasValue(TRANSCRIPT_KEY);
        assertThat(transcriptVerdict(43, key, Optional.empty())).hasValue(TRANSCRIPT_KEY);
        // the same with the signing key as the fallback: both keys' MACs are fed in the one pass over the body
        Optional<String> previous = Optional.of(PREVIOUS_KEY);
        assertThat(transcriptVerdict(41, previous, key)).isEmpty();
        assertThat(transcriptVerdict(42, previous, key)).hasValue(TRANSCRIPT_KEY);
        assertThat(transcriptVerdict(43, previous, key)).hasValue(TRANSCRIPT_KEY);
        assertThat(transcriptVerdict(42, key, previous)).hasValue(TRANSCRIPT_KEY);
        assertThat(transcriptVerdict(42, previous, Optional.empty())).isEmpty();
    }

    @Test
    void aBodyWithoutACanonicalFormIsVerifiedOverItsRawBytes() {
        for (String body : new String[] { "{\"a\":1,\"a\":2}", "{\"b\": 1e400, \"a\": 0}", "[1,]", "\"text\"",
                "{\"a\":1} x", " " }) {
            String header = Signatures.header(KEY, bytes(body), 1700000000L);
            assertThat(Signatures.verify(header, bytes(body), 1700000000L, Optional.of(KEY), Optional.empty()))
                    .as(body).hasValue(KEY);
            assertThat(Signatures.signedBytes(bytes(body))).as(body).isEqualTo(bytes(body));
        }
    }

    @Test
    void aBodyNestedTooDeepIsRefusedBeforeAnyMacIsCompared() {
        Signatures.Header header = new Signatures.Header(1700000000L, "00".repeat(32));
        byte[] deep = bytes("[" + "{\"a\":[".repeat(600) + "]}".repeat(600) + "]");
        assertThatThrownBy(() -> Signatures.matchingKey(header, deep, Optional.of(KEY), Optional.empty()))
                .isInstanceOf(JsonDepth.TooDeepException.class).hasMessageContaining("1000 levels");
        byte[] spaced = bytes("[ " + "{\"a\":[".repeat(600) + "]}".repeat(600) + "]");
        assertThatThrownBy(() -> Signatures.matchingKey(header, spaced, Optional.of(KEY), Optional.empty()))
                .isInstanceOf(JsonDepth.TooDeepException.class);
    }

    @Test
    void fallsBackToTheRotatedKey() {
        String old = "signkey-prod-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        String header = Signatures.header(old, bytes("{}"), 1700000000L);
        assertThat(Signatures.verify(header, bytes("{}"), 1700000000L, Optional.of(KEY), Optional.of(old)))
                .hasValue(old);
    }
}
