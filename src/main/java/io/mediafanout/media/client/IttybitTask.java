package io.mediafanout.media.client;

/**
 * A task as we read it, whatever the API version: its id, raw status, what that status means, the output URL once
 * done, the error once failed, and what it says it is (its kind and the {@code metadata.mediaId} we gave it; null
 * when the API version does not echo them).
 */
public record IttybitTask(String id, String status, State state, String outputUrl, String error, String kind,
        String mediaId) {

    public enum State {
        IN_PROGRESS, DONE, FAILED
    }
}
