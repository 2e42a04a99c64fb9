package io.mediafanout.testing;

import java.util.List;
import java.util.stream.Stream;

/**
 * Which recorded exchanges ({@link Transcript}) are replayed where, listed once for the in-process tests
 * ({@code DevModeTranscriptTests}) and the packaged jar ({@code PackagedTranscriptIT}).
 */
public final class Transcripts {

    /**
     * The dev-mode calls of scenarios A (the fan-out), F ({@code event.data.failStep}: a step retried, then failed for
     * good) and E (errors), which every dev-mode app with the reference function answers as the reference app did.
     */
    public static final List<String> DEV_MODE_CALLS = List.of("02-A-post-discovery-no-state.json",
            "03-A-post-run-hls-package.json", "04-A-post-run-poster-image.json", "05-A-post-run-gif-preview.json",
            "06-A-post-run-audio-transcription.json", "07-A-post-discovery-4-memo-die-true.json",
            "08-A-post-discovery-4-memo-die-false.json", "09-A-post-run-assemble.json",
            "10-A-post-final-all-memo.json", "11-A-post-final-all-memo-raw-values.json",
            "12-F-post-discovery.json", "13-F-post-run-gif-attempt0.json", "14-F-post-run-gif-attempt1.json",
            "15-F-post-run-gif-attempt2.json", "16-F-post-run-gif-attempt3.json",
            "17-F-post-run-gif-attempt3-no-max.json", "18-F-post-discovery-with-failed-step.json",
            "29-E-post-unknown-fn.json", "30-E-post-bad-body.json", "32-E-delete-405.json");

    /**
     * The reference app's own introspection ({@code GET}) and out-of-band sync ({@code PUT}): answered as recorded
     * only by an app serving nothing but the reference function (the in-process reference profile).
     */
    public static final String INTROSPECTION = "01-A-get-introspection.json";
    public static final String SYNC = "33-E-put-dev-register.json";

    /**
     * Scenario W (durable branches): calls of the benchmark's function, the event API answering as
     * {@link #W_EVENT_API}.
     */
    public static final List<String> DURABLE_BRANCH_CALLS = List.of("60-W-post-discovery-no-state.json",
            "61-W-post-run-hls-package.json", "63-W-post-discovery-both-waits-matched.json",
            "65-W-post-discovery-after-sleep.json", "66-W-post-discovery-send-event-die-false.json",
            "68-W-post-discovery-send-event-die-true.json", "69-W-post-run-media-ready.json", "71-W-post-final.json");

    /** Scenario W's introspection (dev mode, the reference app's two functions). */
    public static final String DURABLE_BRANCH_INTROSPECTION = "73-W-get-introspection-dev.json";

    /** What the event API answered {@code step.sendEvent} in scenario W. */
    public static final String W_EVENT_API = "67-W-mockapi-send-event.json";

    private Transcripts() {
    }

    /** Replayed in process against the reference profile: introspection, the dev-mode calls, the sync. */
    public static Stream<String> inProcessDevMode() {
        return Stream.of(Stream.of(INTROSPECTION), DEV_MODE_CALLS.stream(), Stream.of(SYNC)).flatMap(s -> s);
    }

    /** Replayed against the packaged jar in bench mode: the dev-mode calls and scenario W. */
    public static Stream<String> packagedBenchMode() {
        return Stream.concat(DEV_MODE_CALLS.stream(), DURABLE_BRANCH_CALLS.stream());
    }

    /** Scenario G, cloud mode: signature checks, signed answers, the trust probe and in-band sync. */
    public static final List<String> CLOUD_MODE_CALLS = List.of("35-G-get-unsigned.json", "36-G-get-signed.json",
            "37-G-post-missing-signature.json", "38-G-post-wrong-signature.json", "39-G-post-malformed-signature.json",
            "40-G-post-expired-signature.json", "41-G-post-signed-raw-noncanonical.json", "42-G-post-signed-ok.json",
            "43-G-post-signed-raw-canonical.json", "44-G-post-final-signed.json", "46-G-post-probe-trust-signed.json",
            "47-G-post-probe-trust-unsigned.json", "48-G-put-inband-sync-signed.json",
            "49-G-put-inband-sync-unsigned.json");

    /**
     * Replayed against the packaged jar in bench and cloud mode, signatures made again at today's time: all of G but
     * the authenticated introspection (36) and the in-band sync (48), which describe the app served (the reference app
     * served one function; bench mode serves three, and production needs an event key): the in-process
     * {@code CloudModeTranscriptTests} replay those against the one-function reference profile.
     */
    public static Stream<String> packagedCloudMode() {
        return CLOUD_MODE_CALLS.stream().filter(file -> !file.startsWith("36-") && !file.startsWith("48-"));
    }
}
