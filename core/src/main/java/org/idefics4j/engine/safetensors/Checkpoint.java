package org.idefics4j.engine.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import org.idefics4j.engine.StoredTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The weights of a checkpoint folder as transformers writes them: either one {@code model.safetensors}
 * or the sharded form {@code model.safetensors.index.json} + {@code model-0000k-of-0000n.safetensors}.
 * Each key is taken from the shard the index names.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path folder;
    private final Map<String, StoredTensor> tensors;
    private final Map<String, SafetensorsFile> files;

    private Checkpoint(Path folder, Map<String, StoredTensor> tensors, Map<String, SafetensorsFile> files) {
        this.folder = folder;
        this.tensors = tensors;
        this.files = files;
    }

    public static Checkpoint open(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new SafetensorsException(folder + ": not a folder");
        }
        Path index = folder.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) return openSharded(folder, index);
        Path single = folder.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile f = SafetensorsFile.openAuto(single);
            return new Checkpoint(folder, f.tensors(), Map.of(SINGLE_FILE, f));
        }
        if (Files.isRegularFile(folder.resolve("pytorch_model.bin")) || Files.isRegularFile(folder.resolve("pytorch_model.bin.index.json"))) {
            throw new SafetensorsException(folder + ": holds PyTorch .bin weights only; idefics4j reads safetensors "
                    + "(the hub's IDEFICS repositories have model*.safetensors files too)");
        }
        throw new SafetensorsException(folder + ": no " + SINGLE_FILE + " or " + INDEX_FILE + " in this folder");
    }

    private static Checkpoint openSharded(Path folder, Path index) {
        JsonNode root;
        try {
            root = SafetensorsFile.json().readTree(index.toFile());
        } catch (IOException e) {
            throw new SafetensorsException(index + ": not valid JSON (" + e.getMessage() + ")");
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) throw new SafetensorsException(index + ": no \"weight_map\" object");
        Map<String, SafetensorsFile> files = new TreeMap<>();
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        for (var it = map.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(index + ": weight_map entry '" + e.getKey() + "' is not a file name");
            }
            String fileName = e.getValue().asText();
            Path shard = folder.resolve(fileName).normalize();
            if (!shard.startsWith(folder.normalize())) {
                throw new SafetensorsException(index + ": shard '" + fileName + "' lies outside the folder");
            }
            SafetensorsFile f = files.computeIfAbsent(fileName, n -> {
                if (!Files.isRegularFile(shard)) {
                    throw new SafetensorsException(index + ": shard '" + n + "' named for '" + e.getKey() + "' does not exist");
                }
                return SafetensorsFile.openAuto(shard);
            });
            if (!f.contains(e.getKey())) {
                throw new SafetensorsException(shard + ": tensor '" + e.getKey() + "' listed in " + INDEX_FILE + " is missing");
            }
            tensors.put(e.getKey(), f.get(e.getKey()));
        }
        return new Checkpoint(folder, Collections.unmodifiableMap(tensors), files);
    }

    public Path folder() {
        return folder;
    }

    public Map<String, StoredTensor> tensors() {
        return tensors;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public StoredTensor get(String name) {
        StoredTensor t = tensors.get(name);
        if (t == null) throw new SafetensorsException(folder + ": checkpoint has no tensor '" + name + "'");
        return t;
    }

    @Override
    public void close() {
        files.values().forEach(SafetensorsFile::close);
    }
}
