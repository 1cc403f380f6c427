package org.idefics4j.processing.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Copies of the test tokenizer folders with files removed or replaced. */
final class TestFolders {
    private TestFolders() {
    }

    /** A tokenizer loaded from a copy of {@code name} without tokenizer.json (tokenizer.model path). */
    static LlamaTokenizer withoutTokenizerJson(String name) {
        Path dir = copy(name);
        try {
            Files.delete(dir.resolve("tokenizer.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return LlamaTokenizer.from(dir);
    }

    /** A fresh temporary copy of test folder {@code name}, deleted on exit. */
    static Path copy(String name) {
        try {
            Path src = GoldensTest.ROOT.resolve(name);
            Path dir = Files.createTempDirectory("tok-" + name);
            dir.toFile().deleteOnExit();
            try (Stream<Path> files = Files.list(src)) {
                for (Path f : files.toList()) {
                    Path dst = dir.resolve(f.getFileName());
                    Files.copy(f, dst);
                    dst.toFile().deleteOnExit();
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
