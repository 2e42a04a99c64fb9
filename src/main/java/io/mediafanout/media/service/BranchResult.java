package io.mediafanout.media.service;

/** A finished Ittybit task, as a branch step returns it (and Inngest memoises it). */
public record BranchResult(String id, String status, String input, Output output) {

    public record Output(String url) {
    }
}
