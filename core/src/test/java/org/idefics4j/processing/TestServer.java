package org.idefics4j.processing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A local HTTP server on 127.0.0.1 (ephemeral port) for the URL tests — never the network.
 * Bounded: 4 daemon threads, the slow handler stalls at most 5 s, and {@link #close} stops it.
 *
 * <ul>
 *   <li>{@code /a.png}: the fixture image img_a.png</li>
 *   <li>{@code /big-declared}: 5000 bytes announced by Content-Length</li>
 *   <li>{@code /big-chunked}: 5000 bytes, chunked (no Content-Length)</li>
 *   <li>{@code /missing}: 404</li>
 *   <li>{@code /stall}: headers and a few bytes, then silence</li>
 *   <li>{@code /not-image}: 200 with a text body</li>
 * </ul>
 */
final class TestServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    TestServer() throws IOException {
        byte[] png = Files.readAllBytes(Path.of("src/test/resources/fixtures/processor/img_a.png"));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "test-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/a.png", ex -> send(ex, 200, png, false));
        server.createContext("/big-declared", ex -> send(ex, 200, new byte[5000], false));
        server.createContext("/big-chunked", ex -> send(ex, 200, new byte[5000], true));
        server.createContext("/missing", ex -> send(ex, 404, "not here".getBytes(), false));
        server.createContext("/not-image", ex -> send(ex, 200, "hello".getBytes(), false));
        server.createContext("/stall", ex -> {
            try (ex) {
                ex.sendResponseHeaders(200, 0);
                OutputStream os = ex.getResponseBody();
                os.write(png, 0, 16);
                os.flush();
                Thread.sleep(5000);
            } catch (InterruptedException | IOException ignored) {
                // the client gave up or the server is stopping
            }
        });
        server.start();
    }

    private static void send(HttpExchange ex, int status, byte[] body, boolean chunked) {
        try (ex) {
            ex.sendResponseHeaders(status, chunked ? 0 : body.length);
            try (OutputStream os = ex.getResponseBody()) {
                for (int i = 0; i < body.length; i += 512) os.write(body, i, Math.min(512, body.length - i));
            }
        } catch (IOException ignored) {
            // the client cancelled (size limit): expected in those tests
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Override
    public void close() throws InterruptedException {
        server.stop(0);
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
