package dev.digitlab.server.transfer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 in hex, as exports name their artifacts' and their own contents. */
final class Digests {

  private Digests() {}

  static String sha256(byte[] bytes) {
    return hex(sha256().digest(bytes));
  }

  /** A fresh SHA-256 digest, for contents read in pieces. */
  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }
}
