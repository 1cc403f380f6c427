package org.idefics4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The tiny model shipped inside the jar, used when no {@code --model} is given. It is unpacked once
 * into {@code ~/.cache/idefics4j/} ({@code -Didefics4j.cache=DIR} to change; a folder named after its
 * content's hash, written under a temporary name and renamed) so that it is memory-mapped like any
 * other checkpoint.
 */
final class DefaultModel {
    private static final String ROOT = "/default-model/";

    private DefaultModel() {
    }

    static Path folder() {
        try {
            List<String> files = new String(resource("FILES").readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(s -> !s.isEmpty()).toList();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String f : files) {
                try (InputStream in = resource(f)) {
                    sha.update(f.getBytes(StandardCharsets.UTF_8));
                    sha.update(in.readAllBytes());
                }
            }
            String id = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
            String base = System.getenv().getOrDefault("XDG_CACHE_HOME", System.getProperty("user.home") + "/.cache");
            Path cache = Path.of(System.getProperty("idefics4j.cache", base + "/idefics4j"));
            Path target = cache.resolve("default-model-" + id);
            if (Files.isDirectory(target)) return target;
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempDirectory(target.getParent(), ".default-model-");
            for (String f : files) {
                try (InputStream in = resource(f)) {
                    Files.copy(in, tmp.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // another process unpacked it first: use theirs
                if (!Files.isDirectory(target)) throw e;
            } catch (IOException e) {
                if (!Files.isDirectory(target)) throw e;
            }
            return target;
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot unpack the embedded default model: " + e.getMessage(), e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = DefaultModel.class.getResourceAsStream(ROOT + name);
        if (in == null) throw new IOException("resource " + ROOT + name + " is missing from the jar");
        return in;
    }
}
