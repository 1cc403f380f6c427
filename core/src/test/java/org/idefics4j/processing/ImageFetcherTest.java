package org.idefics4j.processing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** URL detection as transformers' is_url, and downloads from a local server with their limits. */
class ImageFetcherTest {
    static TestServer server;
    /** 1000 bytes and 500 ms: small enough to trip on the test server's bodies quickly. */
    static final ImageFetcher SMALL = new ImageFetcher(1000, Duration.ofMillis(500));

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://example.com/cat.jpg", "http://127.0.0.1:8080/a.png", "HTTPS://HOST",
            "ftp://host/file", "s3://bucket/key", "http://host?q=1", "\nhttps://host/x\t"})
    void urlsAreSchemePlusHostWithoutSpaces(String s) {
        assertTrue(ImageFetcher.isUrl(s), s);
    }

    @ParameterizedTest
    @ValueSource(strings = {"User:", "Assistant:", "Describe this image.", "//host/path", "http:/host", "http://",
            "https://host/a b.png", "1http://host", "c:\\images\\cat.png", "<image>", "", "file:///tmp/x.png"})
    void textIsNotAUrl(String s) {
        assertFalse(ImageFetcher.isUrl(s), s);
    }

    @Test
    @Timeout(10)
    void downloadsTheBody() throws Exception {
        byte[] want = Files.readAllBytes(Path.of("src/test/resources/fixtures/processor/img_a.png"));
        assertArrayEquals(want, new ImageFetcher(1 << 20, Duration.ofSeconds(5)).fetch(server.url("/a.png")));
    }

    @Test
    @Timeout(10)
    void declaredTooLargeIsRefused() {
        var e = assertThrows(ImageFetchException.class, () -> SMALL.fetch(server.url("/big-declared")));
        assertTrue(e.getMessage().contains(server.url("/big-declared")) && e.getMessage().contains("Content-Length 5000")
                && e.getMessage().contains("limit of 1000 bytes"), e.getMessage());
    }

    @Test
    @Timeout(10)
    void chunkedTooLargeIsCutOff() {
        var e = assertThrows(ImageFetchException.class, () -> SMALL.fetch(server.url("/big-chunked")));
        assertTrue(e.getMessage().contains("/big-chunked") && e.getMessage().contains("limit of 1000 bytes"), e.getMessage());
    }

    @Test
    @Timeout(10)
    void httpErrorNamesStatusAndUrl() {
        var e = assertThrows(ImageFetchException.class, () -> SMALL.fetch(server.url("/missing")));
        assertTrue(e.getMessage().contains(server.url("/missing")) && e.getMessage().contains("HTTP status 404"), e.getMessage());
    }

    @Test
    @Timeout(10)
    void stalledBodyHitsTheTimeLimit() {
        long t0 = System.nanoTime();
        var e = assertThrows(ImageFetchException.class, () -> SMALL.fetch(server.url("/stall")));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().contains("/stall") && e.getMessage().contains("500 ms"), e.getMessage());
        assertTrue(ms < 4000, "gave up after " + ms + " ms, not near the 500 ms limit");
    }

    @Test
    void otherSchemesAreNotFetched() {
        var e = assertThrows(ImageFetchException.class, () -> SMALL.fetch("ftp://127.0.0.1/x.png"));
        assertTrue(e.getMessage().contains("ftp://127.0.0.1/x.png") && e.getMessage().contains("only http and https"),
                e.getMessage());
    }

    @Test
    @Timeout(10)
    void refusedConnectionIsAClearError() throws Exception {
        // A port that was just free: nothing listens there.
        int port;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/a.png";
        var e = assertThrows(ImageFetchException.class, () -> SMALL.fetch(url));
        assertTrue(e.getMessage().startsWith("cannot fetch image " + url + ": "), e.getMessage());
    }

    @Test
    void limitsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ImageFetcher(0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new ImageFetcher(10, Duration.ZERO));
    }
}
