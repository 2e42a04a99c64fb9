package io.mediafanout.media.client;

/**
 * A task as we read it, whatever the API version: its id, raw status, what that status means, the output URL once
 * done, and the error once failed.
 */
public record IttybitTask(String id, String status, State state, String outputUrl, String error) {

    public enum State {
        IN_PROGRESS, DONE, FAILED
    }
}
