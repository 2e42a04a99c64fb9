package io.mediafanout.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;

/**
 * A hosts file the packaged jar resolves names from ({@code -Djdk.net.hosts.file}), with no answer cached
 * ({@code networkaddress.cache.ttl} and {@code .negative.ttl} 0, set as the security properties they are: as
 * {@code -D} system properties they would be ignored, and {@code sun.net.inetaddr.ttl}'s negative twin loses to
 * {@code java.security}'s 10 s). Tests rewrite it to make a name resolve elsewhere, or not at all.
 * Pass it to the app with {@link PackagedApp.Options#resolvingFrom(HostsFile)}.
 */
public final class HostsFile {

    private final Path file;
    private final Path security;

    private HostsFile(Path file, Path security) {
        this.file = file;
        this.security = security;
    }

    /** A new hosts file holding {@code text}. */
    public static HostsFile of(String text) {
        try {
            Path security = Files.createTempFile("media-fanout-security", ".properties");
            Files.writeString(security, "networkaddress.cache.ttl=0\nnetworkaddress.cache.negative.ttl=0\n");
            HostsFile hosts = new HostsFile(Files.createTempFile("media-fanout-hosts", ".txt"), security);
            hosts.file.toFile().deleteOnExit();
            security.toFile().deleteOnExit();
            hosts.write(text);
            return hosts;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JVM options that make the app resolve names from this file, and cache no answer. */
    public List<String> jvmOptions() {
        return List.of("-Djdk.net.hosts.file=" + file, "-Djava.security.properties=" + security);
    }

    /**
     * Replaces the file's content with {@code text} (nothing happens when it already holds it). The new content
     * appears at once (moved into place: a lookup never reads a half-written file), and the file's modification time
     * moves at least a second past the previous one, so that a reader comparing modification times (at the file
     * system's resolution) sees the change too, without waiting for the clock. The JDK itself reads the file at every
     * lookup when nothing is cached.
     */
    public synchronized void write(String text) {
        try {
            if (Files.exists(file) && Files.readString(file).equals(text)) {
                return;
            }
            long previous = Files.exists(file) ? Files.getLastModifiedTime(file).toMillis() : 0;
            Path next = Files.createTempFile(file.getParent(), "media-fanout-hosts", ".next");
            Files.writeString(next, text);
            long modified = Math.max(System.currentTimeMillis(), previous + 1_000);
            Files.setLastModifiedTime(next, FileTime.fromMillis(modified));
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
