package io.mediafanout.media.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.MediaStatus;

class MediaViewTests {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theAssembleResultKeepsOneFlatFieldPerBranchAndReadsBackAsStored() throws Exception {
        MediaView view = new MediaView("vid_1", MediaStatus.READY, 2, Map.of(Branch.HLS_PACKAGE, "https://cdn/h.m3u8",
                Branch.AUDIO_TRANSCRIPTION, "https://cdn/t.json"));

        JsonNode json = JSON.valueToTree(view);

        assertEquals(JSON.readTree("""
                {"id":"vid_1","status":"ready","round":2,"hlsUrl":"https://cdn/h.m3u8","posterUrl":null,
                 "gifUrl":null,"transcriptionUrl":"https://cdn/t.json"}"""), json);
        assertEquals(view, JSON.treeToValue(json, MediaView.class));
    }

    @Test
    void aResultMemoisedBeforeThisVersionReadsBackWithItsOutputs() throws Exception {
        MediaView read = JSON.readValue("""
                {"id":"vid_2","status":"ready","hlsUrl":"h","posterUrl":"p","gifUrl":"g","transcriptionUrl":"t",
                 "round":1}""", MediaView.class);

        assertEquals(Map.of(Branch.HLS_PACKAGE, "h", Branch.POSTER_IMAGE, "p", Branch.GIF_PREVIEW, "g",
                Branch.AUDIO_TRANSCRIPTION, "t"), read.outputs());
        assertEquals(1, read.round());
    }
}
