package org.idefics4j.cli;

import org.idefics4j.generation.GenerationConfig;
import org.idefics4j.generation.IdeficsPipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code idefics4j chat}: a conversation on the terminal; {@code /image PATH} shows the model an image. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Talk with a checkpoint. Type a message and press enter; the answer streams back.",
                "Commands: /image PATH|URL (adds an image to your next message), /reset (forget the conversation), "
                        + "/quit."})
public final class ChatCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Checkpoint folder (default: the embedded tiny model).")
    Path model;

    @Option(names = "--dtype", description = "Keep weights in memory as f32, bf16 or f16 (default: as stored).")
    String dtype;

    @Mixin
    GenerationOptions options;

    @Override
    public Integer call() throws Exception {
        IdeficsPipeline pipeline = Loading.pipeline(model != null ? model : DefaultModel.folder(), dtype);
        GenerationConfig config = options.apply(pipeline.generationConfig());
        PrintStream out = System.out;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<IdeficsPipeline.Turn> turns = new ArrayList<>();
        List<Object> pendingImages = new ArrayList<>();
        out.println("idefics4j chat — /image PATH to show an image, /reset, /quit");
        while (true) {
            out.print("User: ");
            out.flush();
            String line = in.readLine();
            if (line == null || line.strip().equals("/quit")) break;
            line = line.strip();
            if (line.isEmpty()) continue;
            if (line.startsWith("/image ")) {
                try {
                    pendingImages.add(Loading.imageItem(line.substring(7).strip()));
                    out.println("(image added to your next message)");
                } catch (IllegalArgumentException e) {
                    out.println("error: " + e.getMessage());
                }
                continue;
            }
            if (line.equals("/reset")) {
                turns.clear();
                pendingImages.clear();
                out.println("(conversation cleared)");
                continue;
            }
            if (line.startsWith("/")) {
                out.println("unknown command " + line.split(" ")[0] + " (/image PATH, /reset, /quit)");
                continue;
            }
            turns.add(IdeficsPipeline.Turn.user(List.copyOf(pendingImages), line));
            pendingImages.clear();
            out.print("Assistant: ");
            boolean[] first = {true};
            try {
                IdeficsPipeline.Answer a = pipeline.chat(turns, config, delta -> {
                    String d = first[0] ? delta.stripLeading() : delta;
                    first[0] &= d.isEmpty();
                    out.print(d);
                    out.flush();
                });
                out.println();
                turns.add(IdeficsPipeline.Turn.assistant(a.text()));
            } catch (RuntimeException e) {
                out.println();
                out.println("error: " + e.getMessage());
                turns.removeLast();
            }
        }
        return 0;
    }
}
