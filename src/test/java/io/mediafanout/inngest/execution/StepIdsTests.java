package io.mediafanout.inngest.execution;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StepIdsTests {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "hls-package, 49b8afc35da4245710dc756f82d3e19c32e7370b",
            "poster-image, 3e83decf9aa6ec824950785e5667ed8a5884dcdf",
            "gif-preview, d1c6be8b93d30ffbadd9f9d16eff19ef4c76ab74",
            "audio-transcription, 35dd97d712b491a9ebc7e64e36b039121c37d0b1",
            "assemble, 63c5f882c0b42baf35124c22f6fc01a75520c750",
            "complete, 0737c22d3bfae812339732d14d8c7dbd6dc4e09c",
            "first step, 98bf98df193bcce7c33e6bc50927cf2ac21206cb",
            "my-step-id, e7d8a2f140845095749d60246ff1110c9d01d76a" })
    void hashesAStepIdAsLowercaseSha1Hex(String id, String expected) {
        assertThat(StepIds.hash(id)).isEqualTo(expected);
    }

    @Test
    void numbersRepeatedIdsInDeclarationOrder() {
        StepIds ids = new StepIds();
        assertThat(ids.resolve("hls-package")).isEqualTo(
                new StepIds.Resolved("49b8afc35da4245710dc756f82d3e19c32e7370b", "hls-package", 0));
        assertThat(ids.resolve("hls-package")).isEqualTo(
                new StepIds.Resolved("94cb0c163e0e22a328297235bf396607e0b7e575", "hls-package", 1));
        assertThat(ids.resolve("hls-package")).isEqualTo(
                new StepIds.Resolved("87839abeabc1ac132ec31a2bc3e50750a1d9207a", "hls-package", 2));
    }

    @Test
    void skipsARepeatIndexAUserIdAlreadyTook() {
        StepIds ids = new StepIds();
        ids.resolve("x");
        ids.resolve("x:1");
        StepIds.Resolved repeat = ids.resolve("x");
        assertThat(repeat.hash()).isEqualTo(StepIds.hash("x:2"));
        assertThat(repeat.index()).isEqualTo(2);
    }
}
