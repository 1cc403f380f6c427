package org.idefics4j.processing;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Downloads the image of a URL prompt item (transformers' {@code IdeficsImageProcessor.fetch_images},
 * which uses {@code requests.get}) with what {@code requests} lacks by default: a size limit and a
 * time limit, so a hostile or dead server cannot exhaust memory or hang the caller.
 *
 * <p>Also holds {@link #isUrl(String)}, the processor's rule for "this text item is an image URL".
 * Instances are immutable and thread-safe.
 */
public final class ImageFetcher {
    /** Default largest accepted body: 20 MB (a large photo is a few MB). */
    public static final long DEFAULT_MAX_BYTES = 20L * 1024 * 1024;
    /** Default limit for the whole download (connect, headers and body). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final long maxBytes;
    private final Duration timeout;

    public ImageFetcher(long maxBytes, Duration timeout) {
        if (maxBytes <= 0) throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes);
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
        this.maxBytes = maxBytes;
        this.timeout = timeout;
    }

    public static ImageFetcher defaults() {
        return new ImageFetcher(DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT);
    }

    public long maxBytes() {
        return maxBytes;
    }

    public Duration timeout() {
        return timeout;
    }

    // ------------------------------------------------------------------------------------------
    // is_url

    /**
     * transformers' {@code is_url}: no space anywhere, and Python's {@code urlparse} finds both a
     * scheme and a netloc. So {@code "User:"} (scheme, no netloc) and {@code "//host/x"} (no scheme)
     * are text, while any {@code scheme://host...} is a URL, whatever the scheme.
     */
    public static boolean isUrl(String s) {
        if (s.indexOf(' ') >= 0) return false;
        String[] parts = splitSchemeNetloc(s);
        return !parts[0].isEmpty() && !parts[1].isEmpty();
    }

    /**
     * {scheme, netloc} as Python's {@code urllib.parse.urlsplit} finds them: C0 controls and spaces
     * stripped from both ends, tab/CR/LF removed anywhere, the scheme only when the text before the
     * first ':' starts with an ASCII letter and holds only letters, digits, '+', '-', '.'; the netloc
     * only after "//", up to the next '/', '?' or '#'.
     */
    static String[] splitSchemeNetloc(String url) {
        String u = cleanForUrlsplit(url);
        String scheme = "";
        int colon = u.indexOf(':');
        if (colon > 0 && isAsciiLetter(u.charAt(0))) {
            boolean ok = true;
            for (int i = 0; i < colon && ok; i++) {
                char c = u.charAt(i);
                ok = isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
            }
            if (ok) {
                scheme = u.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
                u = u.substring(colon + 1);
            }
        }
        String netloc = "";
        if (u.startsWith("//")) {
            int end = u.length();
            for (char d : new char[]{'/', '?', '#'}) {
                int i = u.indexOf(d, 2);
                if (i >= 0) end = Math.min(end, i);
            }
            netloc = u.substring(2, end);
        }
        return new String[]{scheme, netloc};
    }

    /** What urlsplit does to its input before parsing (WHATWG strip, then tab/CR/LF removal). */
    static String cleanForUrlsplit(String s) {
        int a = 0, b = s.length();
        while (a < b && s.charAt(a) <= ' ') a++;
        while (b > a && s.charAt(b - 1) <= ' ') b--;
        StringBuilder sb = new StringBuilder(b - a);
        for (int i = a; i < b; i++) {
            char c = s.charAt(i);
            if (c != '\t' && c != '\r' && c != '\n') sb.append(c);
        }
        return sb.toString();
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    // ------------------------------------------------------------------------------------------
    // Download

    /**
     * The body of {@code url} (http or https, redirects followed, 2xx status required).
     *
     * @throws ImageFetchException naming the URL: bad URL or scheme, HTTP error status, body over
     *                             the size limit, time limit passed, or a network error
     */
    public byte[] fetch(String url) {
        URI uri;
        try {
            uri = new URI(cleanForUrlsplit(url));
        } catch (URISyntaxException e) {
            throw new ImageFetchException(url, "not a valid URL (" + e.getReason() + ")", e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https"))
            throw new ImageFetchException(url, "unsupported URL scheme '" + scheme + "' (only http and https are fetched)", null);
        long deadline = System.nanoTime() + timeout.toNanos();
        // One client per download: it owns threads, and shutdownNow() releases them at once, also
        // aborting a stalled exchange (close() would wait for it); URL items are rare enough that
        // connection reuse does not matter.
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        try {
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .timeout(timeout)
                    .header("User-Agent", "idefics4j")
                    .GET()
                    .build();
            CompletableFuture<HttpResponse<byte[]>> future =
                    client.sendAsync(request, info -> new LimitedBody(info, maxBytes));
            HttpResponse<byte[]> response;
            try {
                // The request timeout only covers the headers; this deadline covers the body too.
                long left = Math.max(1, deadline - System.nanoTime());
                response = future.get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                future.cancel(true);
                throw new ImageFetchException(url, "no complete response within " + describe(timeout), e);
            } catch (InterruptedException e) {
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw new ImageFetchException(url, "interrupted", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause() == null ? e : e.getCause();
                for (Throwable t = c; t != null; t = t.getCause() == t ? null : t.getCause())
                    if (t instanceof TooLarge tooLarge) throw new ImageFetchException(url, tooLarge.getMessage(), null);
                if (c instanceof java.net.http.HttpTimeoutException)
                    throw new ImageFetchException(url, "no response within " + describe(timeout), c);
                throw new ImageFetchException(url, "download failed (" + (c.getMessage() == null ? c.toString() : c.getMessage()) + ")", c);
            }
            int status = response.statusCode();
            if (status < 200 || status > 299) throw new ImageFetchException(url, "HTTP status " + status, null);
            return response.body();
        } finally {
            client.shutdownNow();
        }
    }

    private static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }

    /** The body exceeded the size limit (Content-Length or bytes actually received). */
    private static final class TooLarge extends RuntimeException {
        TooLarge(long limit, String what) {
            super("response body " + what + " is larger than the limit of " + limit + " bytes");
        }
    }

    /**
     * Collects the body up to {@code limit} bytes; cancels the download as soon as more arrive (or
     * the Content-Length announces more), so an oversized body is never held in memory. The body of
     * an error response is not read at all: only the status matters then.
     */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final long limit;
        private final boolean discard;
        private Flow.Subscription subscription;

        LimitedBody(HttpResponse.ResponseInfo info, long limit) {
            this.limit = limit;
            this.discard = info.statusCode() < 200 || info.statusCode() > 299;
            long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (!discard && declared > limit) result.completeExceptionally(new TooLarge(limit, "(Content-Length " + declared + ")"));
        }

        @Override
        public java.util.concurrent.CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (discard) result.complete(new byte[0]);
            if (result.isDone()) s.cancel();
            else s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) return;
            for (ByteBuffer b : items) {
                if (buf.size() + (long) b.remaining() > limit) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge(limit, "(more than " + limit + " bytes received)"));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                buf.writeBytes(chunk);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(buf.toByteArray());
        }
    }
}
