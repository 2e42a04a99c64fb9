// Reference server for bench/: the fan-out function of media-fanout on the official Inngest TypeScript SDK
// (package `inngest`, Express adapter `inngest/express`), with step bodies that do no I/O. It is the same
// function shape as io.mediafanout.bench.BenchFunction (app id, function id, retries, trigger, step ids, results),
// so the benchmark compares the two SDKs' serve paths (parsing, replay, signing, JSON) and nothing else.
//
// Environment: PORT (default 3939); INNGEST_DEV=1 for dev mode, or INNGEST_SIGNING_KEY for cloud mode;
// INNGEST_BASE_URL should point at an unused local address so that the SDK never calls out.
// Start it as `node server.mjs` (not through npm) so the benchmark measures this very process.
import express from "express";
import { Inngest } from "inngest";
import { serve } from "inngest/express";

const port = Number(process.env.PORT || 3939);

const inngest = new Inngest({ id: "media-pipeline" });

const EXTENSIONS = {
  "hls-package": "m3u8",
  "poster-image": "jpg",
  "gif-preview": "gif",
  "audio-transcription": "vtt",
};

// What an Ittybit task looks like once done; no I/O.
const task = (data, step) => ({
  id: `task_${step.replaceAll("-", "_")}_${data.mediaId}`,
  status: "completed",
  input: data.sourceUrl,
  output: { url: `https://cdn.example/${data.mediaId}/${step}.${EXTENSIONS[step]}` },
});

const fanout = inngest.createFunction(
  { id: "fanout-adaptive-streaming", retries: 3, triggers: [{ event: "video/uploaded" }] },
  async ({ event, step }) => {
    const data = event.data;
    const [hls, poster, gif, audio] = await Promise.all([
      step.run("hls-package", () => task(data, "hls-package")),
      step.run("poster-image", () => task(data, "poster-image")),
      step.run("gif-preview", () => task(data, "gif-preview")),
      step.run("audio-transcription", () => task(data, "audio-transcription")),
    ]);
    return step.run("assemble", () => ({
      id: data.mediaId,
      status: "ready",
      hlsUrl: hls.output.url,
      posterUrl: poster.output.url,
      gifUrl: gif.output.url,
      transcriptionUrl: audio.output.url,
    }));
  },
);

const app = express();
app.use(express.json({ limit: "16mb" }));
app.use("/api/inngest", serve({ client: inngest, functions: [fanout] }));

const server = app.listen(port, "127.0.0.1", () => {
  console.log(`reference server on http://127.0.0.1:${port}/api/inngest`);
});
// keep-alive connections from the load generator stay open between requests
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;

const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
