package org.idefics4j.engine.safetensors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files that the Python {@code safetensors} library reads: tensors laid out by
 * dtype size (largest first) then name, the JSON header padded with spaces to 8 bytes. The file is
 * written under a temporary name in the same folder and renamed, so readers never see half a file.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    /** Writes float32 tensors (e.g. model outputs) under their map keys. */
    public static void writeFloats(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        List<StoredTensor> list = new ArrayList<>();
        tensors.forEach((k, v) -> list.add(StoredTensor.ofFloats(k, v)));
        write(path, list, metadata);
    }

    public static void write(Path path, Collection<StoredTensor> tensors, Map<String, String> metadata) {
        List<StoredTensor> order = new ArrayList<>(tensors);
        order.sort(Comparator.comparingInt((StoredTensor t) -> -t.dtype().bytes()).thenComparing(StoredTensor::name));
        ObjectNode header = SafetensorsFile.newHeader();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            new LinkedHashMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (StoredTensor t : order) {
            if (header.has(t.name())) throw new SafetensorsException(path + ": tensor '" + t.name() + "' given twice");
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", t.dtype().name());
            ArrayNode shape = e.putArray("shape");
            for (int d : t.shape()) shape.add(d);
            long size = t.segment().byteSize();
            e.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] json;
        try {
            json = SafetensorsFile.json().writeValueAsBytes(header);
        } catch (IOException e) {
            throw new SafetensorsException(path + ": cannot encode header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        for (int i = json.length; i < padded; i++) headerBytes[i] = ' ';

        Path dir = path.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(headerBytes));
                byte[] chunk = new byte[1 << 20];
                for (StoredTensor t : order) {
                    MemorySegment seg = t.segment();
                    for (long pos = 0; pos < seg.byteSize(); pos += chunk.length) {
                        int n = (int) Math.min(chunk.length, seg.byteSize() - pos);
                        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, chunk, 0, n);
                        writeFully(ch, ByteBuffer.wrap(chunk, 0, n));
                    }
                }
                ch.force(true);
            }
            publish(tmp, path);
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temp file is hidden and will not be mistaken for output
                }
            }
            throw new SafetensorsException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Renames the finished temp file over the target. Temp files are created private (0600); the
     * result gets the permissions an ordinary file would (0644), as Python's writers leave them.
     */
    private static void publish(Path tmp, Path path) throws IOException {
        try {
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: keep its defaults
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Writes text atomically (temp file + rename), for config files next to checkpoints. */
    public static void writeTextAtomically(Path path, String text) {
        writeBytesAtomically(path, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes bytes atomically (temp file + rename). */
    public static void writeBytesAtomically(Path path, byte[] bytes) {
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(bytes);
            }
            publish(tmp, path);
        } catch (IOException e) {
            try {
                if (tmp != null) Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort cleanup
            }
            throw new SafetensorsException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
