package io.mediafanout.media.service.pipeline;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A finished Ittybit task, as a branch step returns it (and Inngest memoises it). */
@RegisterForReflection
public record BranchResult(String id, String status, String input, Output output) {

    @RegisterForReflection
    public record Output(String url) {
    }
}
