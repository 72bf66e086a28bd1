package dev.digitlab.server.code;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Checks that an upload is what {@code digitlab submit} packs: a gzip-compressed tar of regular
 * files and directories whose names stay inside the folder it unpacks to. A worker unpacks it again
 * with its own checks; refusing here tells the uploader at once, with a 400, rather than failing
 * every trial later.
 */
final class PackedCode {

  private static final int BLOCK = 512;

  private PackedCode() {}

  /**
   * The problem with the file at {@code archive}, or null when it is a packed code folder.
   *
   * @throws IOException only when the file cannot be read
   */
  static String problem(Path archive) throws IOException {
    try (InputStream raw = Files.newInputStream(archive)) {
      int first = raw.read();
      int second = raw.read();
      if (first != 0x1f || second != 0x8b) {
        return "the code must be a .tar.gz (gzip) archive; 'digitlab submit' packs the code:"
            + " folder for you";
      }
    }
    try (InputStream in = new GZIPInputStream(Files.newInputStream(archive), 64 * 1024)) {
      byte[] header = new byte[BLOCK];
      boolean longName = false;
      while (true) {
        if (in.readNBytes(header, 0, BLOCK) < BLOCK) {
          return "the tar archive ends in the middle of an entry";
        }
        if (allZero(header)) {
          return null; // the end-of-archive marker
        }
        char type = (char) header[156];
        long size = octal(header, 124, 12);
        if (size < 0) {
          return "the tar archive has an entry with an unreadable size";
        }
        String name = text(header, 345, 155);
        name = name.isEmpty() ? text(header, 0, 100) : name + "/" + text(header, 0, 100);
        switch (type) {
          case '0', '\0', '7', '5' -> {
            if (!longName) {
              String bad = badName(name);
              if (bad != null) {
                return bad;
              }
            }
            longName = false;
          }
          // pax and GNU long-name headers describe the next entry; its name is checked there by
          // the worker, and its ustar name (checked above for plain entries) is a truncation.
          case 'x', 'g', 'L' -> longName = type != 'g';
          case '1', '2' -> {
            return "the archive holds a link ('" + name + "'); pack regular files only";
          }
          default -> {
            return "the archive holds '" + name + "', which is not a regular file or a folder";
          }
        }
        long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
        try {
          in.skipNBytes(padded);
        } catch (java.io.EOFException e) {
          return "the tar archive ends in the middle of an entry";
        }
      }
    } catch (ZipException | java.io.EOFException e) {
      return "the code is not a whole gzip stream: " + e.getMessage();
    }
  }

  private static String badName(String name) {
    if (name.startsWith("/") || name.contains("\\")) {
      return "the archive holds '" + name + "': names must be relative, with '/' between folders";
    }
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        return "the archive holds '" + name + "', which points outside its folder";
      }
    }
    return null;
  }

  private static boolean allZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String text(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] header, int offset, int length) {
    long value = 0;
    boolean digits = false;
    for (int i = offset; i < offset + length; i++) {
      byte b = header[i];
      if (b == 0 || b == ' ') {
        if (digits) {
          break;
        }
        continue;
      }
      if (b < '0' || b > '7') {
        return -1;
      }
      value = value * 8 + (b - '0');
      digits = true;
    }
    return value;
  }
}
