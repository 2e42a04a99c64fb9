package io.mediafanout.media.rest;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.mediafanout.media.repository.Media;
import io.mediafanout.media.repository.MediaBranch;
import io.mediafanout.media.service.Branch;
import io.mediafanout.media.service.FailureCode;
import io.mediafanout.media.service.MediaQueries;
import io.mediafanout.media.service.Outputs;

/**
 * A media record as the API shows it, with the progress of its four branches ({@code skipped} for those the upload
 * did not ask for), the options each one runs with, where callbacks go, and who owns it (the API key's name or the
 * token's owner claim; null for a record without owner, which only {@code media:admin} sees).
 */
@RegisterForReflection
public record MediaResponse(String id, String status, String sourceUrl, String hlsUrl, String posterUrl,
        String gifUrl, String transcriptionUrl, String failedBranch, Failure error, OffsetDateTime createdAt,
        OffsetDateTime updatedAt, List<BranchResponse> branches, Map<String, Map<String, Object>> options,
        String callbackUrl, String owner) {

    /** Why a record or branch failed: a stable code and a short message (details stay in the logs). */
    @RegisterForReflection
    public record Failure(String code, String message) {
        static Failure of(String code, String detail) {
            if (code == null && detail == null) {
                return null;
            }
            FailureCode known = FailureCode.of(code);
            return new Failure(known.code(), known.message());
        }
    }

    /** One branch: {@code pending} until its first attempt starts, {@code skipped} when the upload left it out. */
    @RegisterForReflection
    public record BranchResponse(String name, String status, String taskId, String outputUrl, int attempts,
            Failure error, OffsetDateTime updatedAt) {
    }

    static MediaResponse of(MediaQueries.Details details) {
        Media m = details.media();
        Map<String, MediaBranch> rows = details.branches().stream()
                .collect(Collectors.toMap(MediaBranch::getName, Function.identity()));
        List<BranchResponse> branches = new ArrayList<>();
        for (Branch branch : Branch.values()) {
            MediaBranch row = rows.get(branch.id());
            String waiting = details.outputs().runs(branch) ? "pending" : "skipped";
            branches.add(row == null ? new BranchResponse(branch.id(), waiting, null, null, 0, null, null)
                    : new BranchResponse(row.getName(), row.getStatus(), row.getTaskId(), row.getOutputUrl(),
                            row.getAttempts(), Failure.of(row.getErrorCode(), row.getError()), row.getUpdatedAt()));
        }
        Map<Branch, String> made = m.outputs();
        return new MediaResponse(m.getId(), m.getStatus(), m.getSourceUrl(), made.get(Branch.HLS_PACKAGE),
                made.get(Branch.POSTER_IMAGE), made.get(Branch.GIF_PREVIEW), made.get(Branch.AUDIO_TRANSCRIPTION),
                m.getFailedBranch(), Failure.of(m.getErrorCode(), m.getError()), m.getCreatedAt(),
                m.getUpdatedAt(), branches, options(details.outputs()), m.getCallbackUrl(), m.getOwner());
    }

    private static Map<String, Map<String, Object>> options(Outputs outputs) {
        Map<String, Map<String, Object>> shown = new java.util.LinkedHashMap<>();
        outputs.options().forEach((branch, values) -> shown.put(branch.id(), values));
        return shown;
    }
}
