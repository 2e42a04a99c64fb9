package io.mediafanout.media.rest;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnore;

import io.mediafanout.media.domain.Branch;
import io.mediafanout.media.domain.BranchStatus;
import io.mediafanout.media.domain.FailureCode;
import io.mediafanout.media.domain.MediaStatus;
import io.mediafanout.media.domain.Outputs;
import io.mediafanout.media.repository.Media;
import io.mediafanout.media.repository.MediaBranch;
import io.mediafanout.media.service.MediaQueries;
import io.mediafanout.media.service.MediaView;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A media record as the API shows it, with the progress of its four branches ({@code skipped} for those the upload
 * did not ask for), the options each one runs with, where callbacks go, and who owns it (the API key's name or the
 * token's owner claim; null for a record without owner, which only {@code media:admin} sees).
 */
@RegisterForReflection
public record MediaResponse(@Schema(example = "vid_1") String id, MediaStatus status,
        @Schema(example = "https://uploads.example/vid_1.mp4") String sourceUrl,
        @JsonIgnore Map<Branch, String> outputs, String failedBranch, Failure error, OffsetDateTime createdAt,
        OffsetDateTime updatedAt, List<BranchResponse> branches, Map<String, Map<String, Object>> options,
        @Schema(example = "https://app.example/hooks/media") String callbackUrl, @Schema(example = "ci") String owner) {

    /** Each branch's output URL under its result field ({@code hlsUrl}, ...; null when it made none). */
    @JsonAnyGetter
    public Map<String, String> results() {
        return MediaView.results(outputs);
    }

    /** Why a record or branch failed: a stable code and a short message (details stay in the logs). */
    @RegisterForReflection
    public record Failure(String code, String message) {
        static Failure of(FailureCode code, String detail) {
            if (code == null && detail == null) {
                return null;
            }
            FailureCode known = code == null ? FailureCode.RUN_FAILED : code;
            return new Failure(known.code(), known.message());
        }
    }

    /** One branch: {@code pending} until its first attempt starts, {@code skipped} when the upload left it out. */
    @RegisterForReflection
    public record BranchResponse(@Schema(example = "hls-package") String name, BranchStatus status,
            @Schema(example = "task_7f3c9a") String taskId,
            @Schema(example = "https://cdn.ittybit.example/vid_1/master.m3u8") String outputUrl,
            @Schema(description = "Steps that set out to create the branch's tasks: Inngest's retries and replacement "
                    + "tasks; a create tried again after Ittybit's rate limit is the same attempt", example = "1")
            int attempts,
            Failure error, OffsetDateTime updatedAt) {
    }

    static MediaResponse of(MediaQueries.Details details) {
        Media m = details.media();
        Map<String, MediaBranch> rows = details.branches().stream()
                .collect(Collectors.toMap(MediaBranch::getName, Function.identity()));
        List<BranchResponse> branches = new ArrayList<>();
        for (Branch branch : Branch.values()) {
            MediaBranch row = rows.get(branch.id());
            BranchStatus waiting = details.outputs().runs(branch) ? BranchStatus.PENDING : BranchStatus.SKIPPED;
            branches.add(row == null ? new BranchResponse(branch.id(), waiting, null, null, 0, null, null)
                    : new BranchResponse(row.getName(), row.getStatus(), row.getTaskId(), row.getOutputUrl(),
                            row.getAttempts(), Failure.of(row.getErrorCode(), row.getError()), row.getUpdatedAt()));
        }
        return new MediaResponse(m.getId(), m.getStatus(), m.getSourceUrl(), m.outputs(), m.getFailedBranch(), Failure.of(m.getErrorCode(), m.getError()), m.getCreatedAt(),
                m.getUpdatedAt(), branches, options(details.outputs()), m.getCallbackUrl(), m.getOwner());
    }

    private static Map<String, Map<String, Object>> options(Outputs outputs) {
        Map<String, Map<String, Object>> shown = new java.util.LinkedHashMap<>();
        outputs.options().forEach((branch, values) -> shown.put(branch.id(), values));
        return shown;
    }
}
