package io.mediafanout.media.service.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.Outputs;
import io.mediafanout.media.domain.Upload;
import io.mediafanout.media.service.MediaEvents;
import io.mediafanout.media.service.OutputOptions;
import io.mediafanout.media.service.TestOutputs;

/**
 * Ittybit idempotency keys: one task per (app, environment, media, source, branch, options, generation), nothing
 * shared.
 */
class TaskKeyTests {

    private static final Outputs DEFAULTS = TestOutputs.defaults();
    private static final Upload UPLOAD = new Upload("vid_1", "https://uploads.example/vid_1.mp4", 0, DEFAULTS, null);
    private static final String SCOPE = BranchService.keyScope("media-pipeline", "production");

    /**
     * The key of the GIF preview of {@link #UPLOAD}, generation 0, as this version computes it. Pinned: a step retried
     * by the next version (after a deploy, on another replica) must find the task this one created, so a change of
     * the key's derivation is a change of every in-flight task's identity, not a refactoring.
     */
    private static final String GIF_PREVIEW_KEY = "4f13c50849368e154bad7b5396a74b91";

    @Test
    void theKeyIsStableAcrossCallsSoARetriedStepFindsItsTask() throws Exception {
        // a retried call decodes its upload again from the event, with objects of its own
        Upload decoded = MediaEvents.upload(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"sourceUrl\": \"https://uploads.example/vid_1.mp4\", \"mediaId\": \"vid_1\"}"),
                TestOutputs.options(java.util.Map.of()));

        assertThat(BranchService.taskKey(BranchService.keyScope("media-pipeline", "production"), decoded,
                Branch.GIF_PREVIEW, 0)).isEqualTo(BranchService.taskKey(SCOPE, UPLOAD, Branch.GIF_PREVIEW, 0))
                .isEqualTo(GIF_PREVIEW_KEY);
    }

    @Test
    void everyPartOfTheIdentityChangesTheKey() {
        List<String> keys = List.of(
                BranchService.taskKey(SCOPE, UPLOAD, Branch.GIF_PREVIEW, 0),
                BranchService.taskKey(SCOPE, UPLOAD, Branch.GIF_PREVIEW, 1),
                BranchService.taskKey(SCOPE, UPLOAD, Branch.POSTER_IMAGE, 0),
                BranchService.taskKey(SCOPE, new Upload("vid_2", UPLOAD.sourceUrl(), 0, DEFAULTS, null),
                        Branch.GIF_PREVIEW, 0),
                BranchService.taskKey(SCOPE, new Upload("vid_1", "https://uploads.example/other.mp4", 0, DEFAULTS, null),
                        Branch.GIF_PREVIEW, 0),
                BranchService.taskKey(BranchService.keyScope("other-app", "production"), UPLOAD, Branch.GIF_PREVIEW, 0),
                BranchService.taskKey(BranchService.keyScope("media-pipeline", "staging"), UPLOAD, Branch.GIF_PREVIEW, 0));
        Set<String> distinct = new HashSet<>(keys);
        assertThat(distinct).hasSize(keys.size());
    }

    @Test
    void anotherOptionOfABranchIsAnotherTaskWhileTheOtherBranchesKeepTheirKeys() throws Exception {
        OutputOptions options = TestOutputs.options(java.util.Map.of());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Upload spanish = new Upload("vid_1", UPLOAD.sourceUrl(), 0, options.resolve(null,
                json.readTree("{\"audio-transcription\": {\"language\": \"es\"}}"), ""), null);

        assertThat(BranchService.taskKey(SCOPE, spanish, Branch.AUDIO_TRANSCRIPTION, 0))
                .isNotEqualTo(BranchService.taskKey(SCOPE, UPLOAD, Branch.AUDIO_TRANSCRIPTION, 0));
        assertThat(BranchService.taskKey(SCOPE, spanish, Branch.POSTER_IMAGE, 0))
                .isEqualTo(BranchService.taskKey(SCOPE, UPLOAD, Branch.POSTER_IMAGE, 0));
    }

    @Test
    void theSameValueWrittenDifferentlyIsTheSameTask() throws Exception {
        OutputOptions options = TestOutputs.options(java.util.Map.of());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Upload written = new Upload("vid_1", UPLOAD.sourceUrl(), 0, options.resolve(null,
                json.readTree("{\"poster-image\": {\"time\": 2.000, \"width\": 1280}}"), ""), null);

        assertThat(BranchService.taskKey(SCOPE, written, Branch.POSTER_IMAGE, 0))
                .isEqualTo(BranchService.taskKey(SCOPE, UPLOAD, Branch.POSTER_IMAGE, 0));
    }
}
