package io.mediafanout.media.service;

import static io.mediafanout.media.service.Branch.AUDIO_TRANSCRIPTION;
import static io.mediafanout.media.service.Branch.GIF_PREVIEW;
import static io.mediafanout.media.service.Branch.HLS_PACKAGE;
import static io.mediafanout.media.service.Branch.POSTER_IMAGE;

import java.util.List;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.MDC;

import io.mediafanout.inngest.FunctionContext;
import io.mediafanout.inngest.FunctionDefinition;
import io.mediafanout.inngest.NonRetriableException;
import io.mediafanout.inngest.Step;
import io.mediafanout.inngest.Trigger;
import io.quarkus.arc.lookup.LookupUnlessProperty;
import io.smallrye.mutiny.Uni;

/**
 * {@code fanout-adaptive-streaming}: on {@code video/uploaded}, four parallel branches each create an Ittybit task
 * and let Inngest hold the wait for it ({@link BranchFlow}; each step retried on its own), then {@code assemble}
 * persists the media record and {@code media-ready} tells other apps. A run that fails for good marks the record
 * failed and sends {@code media/failed}.
 */
@Singleton
public class FanoutFunction {

    static final int RETRIES = 3;

    private final BranchFlow branches;
    private final MediaService media;

    public FanoutFunction(BranchFlow branches, MediaService media) {
        this.branches = branches;
        this.media = media;
    }

    @Produces
    @Singleton
    @LookupUnlessProperty(name = "mediafanout.bench-function", stringValue = "true", lookupIfMissing = true)
    FunctionDefinition fanoutAdaptiveStreaming() {
        return FunctionDefinition.builder("fanout-adaptive-streaming")
                .trigger(Trigger.event(MediaService.UPLOADED_EVENT))
                .retries(RETRIES)
                .handler(this::fanOut)
                .onFailure(this::recordFailure)
                .build();
    }

    Uni<MediaView> fanOut(FunctionContext run, Step step) {
        Upload upload = upload(run);
        MDC.put("mediaId", upload.mediaId());
        Uni<BranchResult> hls = branches.run(step, HLS_PACKAGE, upload, run);
        Uni<BranchResult> poster = branches.run(step, POSTER_IMAGE, upload, run);
        Uni<BranchResult> gif = branches.run(step, GIF_PREVIEW, upload, run);
        Uni<BranchResult> transcription = branches.run(step, AUDIO_TRANSCRIPTION, upload, run);
        return Uni.combine().all().unis(hls, poster, gif, transcription).asTuple()
                .chain(done -> step.run("assemble", MediaView.class, () -> media.assemble(upload,
                        done.getItem1(), done.getItem2(), done.getItem3(), done.getItem4())))
                .call(view -> step.sendEvent("media-ready", List.of(MediaService.readyEvent(view, run.runId()))));
    }

    Uni<String> recordFailure(FunctionContext run, Step step) {
        FunctionContext.Failure failure = run.failure().orElseThrow();
        if (failure.originalEvent() == null || !failure.originalEvent().data().path("mediaId").isTextual()) {
            return Uni.createFrom().item("no media record: the failed run had no mediaId");
        }
        String mediaId = failure.originalEvent().data().path("mediaId").asText();
        MDC.put("mediaId", mediaId);
        return step.run("record-failure", MediaService.RecordedFailure.class,
                () -> media.markFailed(mediaId, failure.errorMessage()))
                .call(recorded -> step.sendEvent("media-failed", List.of(MediaService.failedEvent(mediaId, recorded,
                        failure.errorMessage(), failure.runId()))))
                .map(MediaService.RecordedFailure::code);
    }

    private static Upload upload(FunctionContext run) {
        try {
            return Upload.fromEvent(run.event().data());
        } catch (Upload.InvalidUploadException e) {
            throw new NonRetriableException("invalid " + MediaService.UPLOADED_EVENT + " event: " + e.getMessage());
        }
    }
}
