package io.mediafanout.media.service.pipeline;

import io.mediafanout.media.domain.Branch;

/** What a branch made: its finished Ittybit task and that task's output, named by the branch. */
public record BranchResult(Branch branch, String taskId, String outputUrl) {
}
