package org.idefics4j.cli;

import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.safetensors.SafetensorsWriter;
import org.idefics4j.processing.image.IdeficsImageProcessor;
import org.idefics4j.processing.image.ImageLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code idefics4j preprocess}: image file(s) → {@code pixel_values} as the HF image processor makes them. */
@Command(name = "preprocess", mixinStandardHelpOptions = true,
        description = "Decode and preprocess images like IdeficsImageProcessor; write pixel_values "
                + "(F32 [n, 3, N, N]) to a safetensors file.")
public final class PreprocessCommand implements Callable<Integer> {

    @Option(names = "--image", required = true, paramLabel = "FILE",
            description = "Image file (PNG, JPEG, GIF, BMP, WebP); repeat for a batch.")
    List<Path> images;

    @Option(names = "--image-size", paramLabel = "N",
            description = "Square output size (default: the config's image_size, else 224).")
    Integer imageSize;

    @Option(names = "--config", paramLabel = "DIR_OR_FILE",
            description = "Folder holding preprocessor_config.json (or the file itself) for size/mean/std.")
    Path config;

    @Option(names = "--no-exif-orientation",
            description = "Do not apply JPEG EXIF orientation (exactly like HF/PIL, which ignore it).")
    boolean noExif;

    @Option(names = "--max-pixels", paramLabel = "N",
            description = "Refuse images with more pixels than this (default: ${DEFAULT-VALUE}).")
    long maxPixels = ImageLoader.DEFAULT_MAX_PIXELS;

    @Option(names = "--out", required = true, paramLabel = "OUT.safetensors", description = "Output file.")
    Path out;

    @Override
    public Integer call() {
        IdeficsImageProcessor proc = config != null
                ? IdeficsImageProcessor.fromPretrained(config) : new IdeficsImageProcessor();
        if (imageSize != null) {
            if (imageSize <= 0) throw new IllegalArgumentException("--image-size must be positive, got " + imageSize);
            proc = proc.withImageSize(imageSize);
        }
        proc = proc.withImageLoader(ImageLoader.defaults().withMaxPixels(maxPixels).withExifOrientation(!noExif));
        for (Path p : images) {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException(p + ": no such file");
        }
        Tensor pixels = proc.preprocess(images);
        SafetensorsWriter.writeFloats(out, Map.of("pixel_values", pixels),
                Map.of("format", "pt", "image_size", String.valueOf(proc.imageSize())));
        return 0;
    }
}
