package io.mediafanout.media.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.inngest.Event;
import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.Outputs;
import io.mediafanout.media.domain.Upload;
import io.mediafanout.media.domain.Upload.InvalidUploadException;

/** {@code video/uploaded}: what our API sends is read back as stored; what another app sends is validated once. */
class MediaEventsTests {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final OutputOptions options = TestOutputs.options(Map.of());

    @Test
    void theEventOurApiSentIsReadAsStoredNotCompletedWithTodaysDefaults() throws Exception {
        // stored when the house style had no poster format, and another server's defaults add one today
        Outputs stored = options.resolve(JSON.readTree("[\"poster-image\"]"),
                JSON.readTree("{\"poster-image\": {\"format\": null, \"width\": 640}}"), "");
        OutputOptions today = TestOutputs.options(Map.of("media.outputs.poster-image.format", "avif"));

        Event sent = MediaEvents.uploaded("vid_1", "https://uploads.example/vid_1.mp4", 2, stored, "acme");
        Upload run = MediaEvents.upload(JSON.readTree(JSON.writeValueAsString(sent.data())), today);

        assertThat(run).isEqualTo(new Upload("vid_1", "https://uploads.example/vid_1.mp4", 2, stored, "acme"));
        assertThat(run.outputs().of(Branch.POSTER_IMAGE)).doesNotContainKey("format").containsEntry("width", 640);
        assertThat(sent.id()).isEqualTo("video-uploaded-vid_1-r2");
        assertThat(sent.data().path("branches")).containsExactly(JSON.getNodeFactory().textNode("poster-image"));
    }

    @Test
    void anotherAppsEventIsValidatedAndCompletedWithTheDefaults() throws Exception {
        Upload run = MediaEvents.upload(JSON.readTree(
                "{\"mediaId\": \"vid_2\", \"sourceUrl\": \"https://uploads.example/vid_2.mp4\"}"), options);

        assertThat(run).isEqualTo(new Upload("vid_2", "https://uploads.example/vid_2.mp4", 0, options.defaults(), null));
    }

    @Test
    void theRecordsOwnerTravelsWithEveryEventOfItsRunAndAnotherAppsEventsHaveNone() throws Exception {
        Outputs outputs = options.defaults();
        MediaView ready = new MediaView("vid_3", io.mediafanout.media.domain.MediaStatus.READY, 0, Map.of());
        for (Event event : new Event[] { MediaEvents.uploaded("vid_3", "https://u.example/v", 0, outputs, "acme"),
                MediaEvents.ready(ready, "acme"), MediaEvents.cancelled("vid_3", 0, "acme"),
                MediaEvents.failed("vid_3", 0, null, io.mediafanout.media.domain.FailureCode.RUN_FAILED, "acme") }) {
            assertThat(MediaEvents.owner(event.data())).as(event.name()).isEqualTo("acme");
        }
        assertThat(MediaEvents.uploaded("vid_4", "https://u.example/v", 0, outputs, null).data().has("owner")).isFalse();
        assertThat(MediaEvents.upload(json("{\"mediaId\": \"v\", \"sourceUrl\": \"https://u.example/v\", "
                + "\"owner\": \"someone\"}"), options).owner()).as("another app's event names no owner of ours")
                .isNull();
    }

    @Test
    void anotherAppsInvalidEventNamesTheFieldThatIsWrong() {
        assertThatThrownBy(() -> MediaEvents.upload(json("{\"mediaId\": \"a b\", \"sourceUrl\": \"https://u.example/v\"}"),
                options)).isInstanceOfSatisfying(InvalidUploadException.class,
                        e -> assertThat(e.field()).isEqualTo("event.data.mediaId"));
        assertThatThrownBy(() -> MediaEvents.upload(json("{\"mediaId\": \"v\", \"sourceUrl\": \"https://u.example/v\", "
                + "\"options\": {\"poster-image\": {\"width\": 9}}}"), options))
                .isInstanceOfSatisfying(InvalidUploadException.class,
                        e -> assertThat(e.field()).isEqualTo("event.data.options.poster-image.width"));
        assertThatThrownBy(() -> MediaEvents.upload(json("{\"mediaId\": \"v\", \"sourceUrl\": \"https://u.example/v\", "
                + "\"outputs\": \"everything\"}"), options))
                .isInstanceOfSatisfying(InvalidUploadException.class,
                        e -> assertThat(e.field()).isEqualTo("event.data.outputs"));
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }
}
