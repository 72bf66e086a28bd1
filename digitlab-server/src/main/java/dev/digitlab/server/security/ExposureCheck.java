package dev.digitlab.server.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Whether the server may listen where it was told to: without authentication only on a loopback
 * address, unless the operator said {@code --insecure}. Shared by {@code digitlab server} (to
 * refuse before anything starts) and the server itself (so no other way of starting it skips it).
 */
public final class ExposureCheck {

  private ExposureCheck() {}

  /**
   * Why the server must not start, or empty if it may.
   *
   * @param address {@code server.address}; null or blank means every interface
   * @param home the data home, to say where the first admin token will be written
   */
  public static Optional<String> refusal(
      String address, boolean authEnabled, boolean insecure, String home) {
    if (authEnabled || insecure || isLoopback(address)) {
      return Optional.empty();
    }
    String where = address == null || address.isBlank() ? "every interface" : address;
    return Optional.of(
        "Refusing to listen on "
            + where
            + " without authentication: anyone who can reach the port could submit, read and"
            + " delete experiments. Turn authentication on with --auth (env DIGITLAB_AUTH=true,"
            + " property digitlab.auth.enabled=true): the first start writes an admin token to "
            + home
            + "/admin-token, readable by you only. Or bind to 127.0.0.1, or accept the risk with"
            + " --insecure (digitlab.auth.insecure=true).");
  }

  /** Whether the server runs open to the network on the operator's explicit say-so. */
  public static boolean insecurelyExposed(String address, boolean authEnabled, boolean insecure) {
    return insecure && !authEnabled && !isLoopback(address);
  }

  static boolean isLoopback(String address) {
    if (address == null || address.isBlank()) {
      return false;
    }
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
