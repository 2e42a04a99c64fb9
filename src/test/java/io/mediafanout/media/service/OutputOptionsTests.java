package io.mediafanout.media.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.Outputs;
import io.mediafanout.media.domain.Upload.InvalidUploadException;

/** Per-upload options: defaults from configuration, overrides, validation, branch subsets. */
class OutputOptionsTests {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final OutputOptions options = TestOutputs.options(Map.of());

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void withoutOptionsEveryBranchRunsWithTheShippedHouseStyle() {
        Outputs outputs = options.resolve(null, null, "");

        assertThat(outputs.branches()).containsExactly(Branch.values());
        assertThat(outputs.forIttybit(Branch.HLS_PACKAGE)).isEqualTo(Map.of("format", "hls"));
        assertThat(outputs.forIttybit(Branch.POSTER_IMAGE))
                .isEqualTo(Map.of("start", 2, "width", 1280, "format", "webp"));
        assertThat(outputs.forIttybit(Branch.GIF_PREVIEW))
                .isEqualTo(Map.of("start", 1, "end", 4, "width", 480, "format", "gif"));
        assertThat(outputs.forIttybit(Branch.AUDIO_TRANSCRIPTION))
                .isEqualTo(Map.of("format", "json", "language", "en"));
    }

    @Test
    void anOperatorChangesTheHouseStyleInConfiguration() {
        OutputOptions configured = TestOutputs.options(Map.of("media.outputs.poster-image.time", "7.5",
                "media.outputs.audio-transcription.language", "auto", "media.outputs.hls-package.quality", "high"));
        Outputs outputs = configured.resolve(null, null, "");

        assertThat(outputs.forIttybit(Branch.POSTER_IMAGE)).containsEntry("start", 7.5);
        assertThat(outputs.forIttybit(Branch.AUDIO_TRANSCRIPTION))
                .as("auto: no language, Ittybit detects it").isEqualTo(Map.of("format", "json"));
        assertThat(outputs.forIttybit(Branch.HLS_PACKAGE))
                .isEqualTo(Map.of("format", "hls", "quality", "high"));
    }

    @Test
    void aHouseStyleOutsideTheRulesStopsTheServiceAtStart() {
        assertThatThrownBy(() -> TestOutputs.options(Map.of("media.outputs.gif-preview.end", "60")).defaults())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("media.outputs.gif-preview.end");
        assertThatThrownBy(() -> TestOutputs.options(Map.of("media.outputs.poster-image.format", "bmp")).defaults())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("media.outputs.poster-image.format");
    }

    @Test
    void anUploadOverridesSomeOptionsAndKeepsTheOtherDefaults() throws Exception {
        Outputs outputs = options.resolve(null, json("""
                {"audio-transcription": {"language": "es"}, "poster-image": {"time": 12.25, "width": 640},
                 "gif-preview": {"start": 10, "end": 13, "fps": 12}, "hls-package": {"maxWidth": 1920}}"""), "");

        assertThat(outputs.forIttybit(Branch.AUDIO_TRANSCRIPTION)).containsEntry("language", "es");
        assertThat(outputs.forIttybit(Branch.POSTER_IMAGE))
                .isEqualTo(Map.of("start", 12.25, "width", 640, "format", "webp"));
        assertThat(outputs.forIttybit(Branch.GIF_PREVIEW))
                .isEqualTo(Map.of("start", 10, "end", 13, "width", 480, "fps", 12, "format", "gif"));
        assertThat(outputs.forIttybit(Branch.HLS_PACKAGE)).containsEntry("width", 1920);
        assertThat(outputs.toJson().path("poster-image").path("time").asDouble()).isEqualTo(12.25);
    }

    @Test
    void aBranchSubsetRunsOnlyThoseBranchesInTheUsualOrder() throws Exception {
        Outputs outputs = options.resolve(json("[\"gif-preview\", \"hls-package\"]"), null, "");

        assertThat(outputs.branches()).containsExactly(Branch.HLS_PACKAGE, Branch.GIF_PREVIEW);
        assertThat(outputs.runs(Branch.AUDIO_TRANSCRIPTION)).isFalse();
    }

    @Test
    void whatWasResolvedOnceResolvesTheSameFromTheEvent() throws Exception {
        Outputs first = options.resolve(json("[\"poster-image\"]"), json("{\"poster-image\": {\"time\": 3.5}}"), "");
        JsonNode event = json("{\"branches\": [\"poster-image\"]}");
        Outputs again = options.resolve(event.get("branches"), first.toJson(), "event.data.");

        assertThat(again).isEqualTo(first);
        assertThat(Outputs.fromStored(first.toJson())).isEqualTo(first);
    }

    @Test
    void invalidChoicesAreRefusedNamingTheField() {
        assertRefused("[\"thumbnails\"]", null, "branches[0]", "unknown branch 'thumbnails'");
        assertRefused("[]", null, "branches", "non-empty array");
        assertRefused("[\"gif-preview\", \"gif-preview\"]", null, "branches[1]", "listed twice");
        assertRefused(null, "{\"subtitles\": {}}", "options.subtitles", "unknown branch");
        assertRefused("[\"hls-package\"]", "{\"poster-image\": {\"width\": 100}}", "options.poster-image",
                "not in branches");
        assertRefused(null, "{\"poster-image\": {\"height\": 100}}", "options.poster-image.height",
                "unknown option 'height' for poster-image; its options are time, width, format");
        assertRefused(null, "[1]", "options", "must be an object");
    }

    @Test
    void outOfRangeValuesAreRefusedNamingTheField() {
        assertRefused(null, "{\"poster-image\": {\"width\": 9000}}", "options.poster-image.width", "from 16 to 8192");
        assertRefused(null, "{\"poster-image\": {\"width\": 640.5}}", "options.poster-image.width", "whole number");
        assertRefused(null, "{\"poster-image\": {\"width\": \"640\"}}", "options.poster-image.width", "whole number");
        assertRefused(null, "{\"poster-image\": {\"time\": -1}}", "options.poster-image.time", "from 0 to 86400");
        assertRefused(null, "{\"poster-image\": {\"time\": 1.0001}}", "options.poster-image.time", "millisecond");
        assertRefused(null, "{\"poster-image\": {\"format\": \"bmp\"}}", "options.poster-image.format",
                "one of webp, jpeg, png, avif");
        assertRefused(null, "{\"gif-preview\": {\"start\": 10}}", "options.gif-preview.end", "after start");
        assertRefused(null, "{\"gif-preview\": {\"start\": 0, \"end\": 31}}", "options.gif-preview.end",
                "at most 30 seconds");
        assertRefused(null, "{\"audio-transcription\": {\"language\": \"English\"}}",
                "options.audio-transcription.language", "BCP 47");
        assertRefused(null, "{\"hls-package\": {\"quality\": \"ultra\"}}", "options.hls-package.quality",
                "low, medium, high");
    }

    @Test
    void eventFieldsAreNamedAsInTheEvent() {
        assertThatThrownBy(() -> options.resolve(json("[\"x\"]"), null, "event.data."))
                .isInstanceOfSatisfying(InvalidUploadException.class,
                        e -> assertThat(e.field()).isEqualTo("event.data.branches[0]"));
    }

    private void assertRefused(String branches, String overrides, String field, String message) {
        assertThatThrownBy(() -> options.resolve(branches == null ? null : json(branches),
                overrides == null ? null : json(overrides), ""))
                .as(field)
                .isInstanceOfSatisfying(InvalidUploadException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).contains(message);
                });
    }

    @Test
    void aSettingThatNamesNoOptionOfItsBranchStopsTheServiceAtStart() {
        assertThatThrownBy(() -> TestOutputs.options(Map.of("media.outputs.poster-image.tme", "3")).defaults())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("media.outputs.poster-image.tme").hasMessageContaining("time, width, format");
    }

    @Test
    void everyDefaultOfTheBranchTableFollowsItsOwnRules() {
        Outputs defaults = TestOutputs.defaults();
        for (Branch branch : Branch.values()) {
            branch.options().stream().filter(option -> option.defaultValue() != null).forEach(option -> assertThat(
                    defaults.of(branch)).containsKey(option.name()));
        }
    }
}
