package io.mediafanout.media.service;

import io.mediafanout.media.repository.Media;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** What the {@code assemble} step returns and the run's result: the media record's outputs. */
@RegisterForReflection
public record MediaView(String id, String status, String hlsUrl, String posterUrl, String gifUrl,
        String transcriptionUrl, int round) {

    /** The record was cancelled before its run ended: no {@code media/ready}. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean cancelled() {
        return Media.CANCELLED.equals(status);
    }

    public static MediaView of(Media media) {
        return new MediaView(media.getId(), media.getStatus(), media.getHlsUrl(), media.getPosterUrl(),
                media.getGifUrl(), media.getTranscriptionUrl(), media.getRound());
    }
}
