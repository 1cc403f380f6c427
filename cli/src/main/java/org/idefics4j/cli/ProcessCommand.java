package org.idefics4j.cli;

import org.idefics4j.engine.safetensors.SafetensorsWriter;
import org.idefics4j.processing.BatchFeature;
import org.idefics4j.processing.IdeficsProcessor;
import org.idefics4j.processing.ImageFetcher;
import org.idefics4j.processing.ProcessorRequest;
import org.idefics4j.processing.image.ImageLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code idefics4j process}: a JSON request (prompts + options) → the model inputs transformers' IdeficsProcessor makes. */
@Command(name = "process", mixinStandardHelpOptions = true,
        description = {
                "Run IdeficsProcessor on the prompts of a JSON request and write input_ids (I64 [B, L]),"
                        + " attention_mask (I64 [B, L]), pixel_values (F32 [B, N, 3, S, S]) and image_attention_mask"
                        + " (I64 [B, L, N]; BOOL [B, L, 1] when no prompt has an image) to a safetensors file.",
                "The request: {\"prompts\": [...], <options>}. prompts is one prompt (a list of items) or a batch"
                        + " (a list of lists); an item is a string (text, or an http(s) image URL) or"
                        + " {\"image\": \"path or URL\"} (paths relative to the request file). Options by their"
                        + " transformers names: padding (false, true, \"longest\" (default), \"max_length\"),"
                        + " truncation, max_length, add_eos_token, add_end_of_utterance_token, padding_side, debug."},
        footer = {"", "Example request:",
                "  {\"prompts\": [\"User:\", {\"image\": \"cat.png\"}, \"Describe this image.<end_of_utterance>\","
                        + " \"\\nAssistant:\"], \"add_end_of_utterance_token\": false}"})
public final class ProcessCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--processor", required = true, paramLabel = "DIR",
            description = "Model folder with the tokenizer files and preprocessor_config.json.")
    Path processor;

    @Option(names = "--request", required = true, paramLabel = "REQUEST.json", description = "The prompts and call options.")
    Path request;

    @Option(names = "--out", required = true, paramLabel = "OUT.safetensors", description = "Output file.")
    Path out;

    @Option(names = "--no-url-fetch", description = "Refuse image URLs instead of downloading them.")
    boolean noUrlFetch;

    @Option(names = "--max-image-bytes", paramLabel = "N",
            description = "Largest image download accepted (default: ${DEFAULT-VALUE}).")
    long maxImageBytes = ImageFetcher.DEFAULT_MAX_BYTES;

    @Option(names = "--fetch-timeout", paramLabel = "SECONDS",
            description = "Time limit for one image download (default: ${DEFAULT-VALUE}).")
    double fetchTimeout = ImageFetcher.DEFAULT_TIMEOUT.toMillis() / 1000.0;

    @Option(names = "--no-exif-orientation",
            description = "Do not apply JPEG EXIF orientation (exactly like HF/PIL, which ignore it).")
    boolean noExif;

    @Option(names = "--max-pixels", paramLabel = "N",
            description = "Refuse images with more pixels than this (default: ${DEFAULT-VALUE}).")
    long maxPixels = ImageLoader.DEFAULT_MAX_PIXELS;

    @Override
    public Integer call() {
        if (!Files.isDirectory(processor)) throw new IllegalArgumentException("--processor: not a folder: " + processor);
        if (maxImageBytes <= 0) throw new IllegalArgumentException("--max-image-bytes must be > 0, got " + maxImageBytes);
        if (!(fetchTimeout > 0)) throw new IllegalArgumentException("--fetch-timeout must be > 0, got " + fetchTimeout);
        ProcessorRequest req = ProcessorRequest.read(request);
        IdeficsProcessor proc = IdeficsProcessor.fromPretrained(processor);
        proc = proc.withImageProcessor(proc.imageProcessor().withImageLoader(
                        ImageLoader.defaults().withMaxPixels(maxPixels).withExifOrientation(!noExif)))
                .withImageFetcher(new ImageFetcher(maxImageBytes, Duration.ofMillis(Math.round(fetchTimeout * 1000))))
                .withUrlFetching(!noUrlFetch);
        BatchFeature f = proc.process(req.prompts(), req.options());
        SafetensorsWriter.write(out, f.toStoredTensors(), Map.of("format", "pt"));
        spec.commandLine().getOut().printf("wrote %s: input_ids [%d, %d], pixel_values [%d, %d, 3, %d, %d]%n", out,
                f.batchSize(), f.sequenceLength(), f.batchSize(), f.numImages(), proc.imageProcessor().imageSize(),
                proc.imageProcessor().imageSize());
        return 0;
    }
}
