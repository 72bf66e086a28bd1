package dev.digitlab.server.security;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The host names this server answers to, against DNS rebinding: a page on {@code attacker.example}
 * whose name is rebound to 127.0.0.1 reaches a loopback server as a same-origin page, with {@code
 * Host: attacker.example}. Allowed: {@code localhost}, loopback and the bound address, and the
 * names in {@code digitlab.allowed-hosts}; when bound to every interface, this machine's own
 * addresses and name too (what remote workers use). {@code *} turns the check off.
 */
@Component
public class AllowedHosts {

  private static final Logger log = LoggerFactory.getLogger(AllowedHosts.class);
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final boolean everyHost;
  private final Set<String> names = new TreeSet<>();

  AllowedHosts(
      @Value("${digitlab.allowed-hosts:}") List<String> configured,
      @Value("${server.address:}") String bound) {
    this.everyHost = configured.stream().anyMatch(name -> name.strip().equals("*"));
    names.addAll(List.of("localhost", "127.0.0.1", "::1"));
    configured.stream()
        .map(String::strip)
        .filter(name -> !name.isEmpty() && !name.equals("*"))
        .map(AllowedHosts::normalise)
        .forEach(names::add);
    String address = normalise(bound);
    if (address.isEmpty() || address.equals("0.0.0.0") || address.equals("::")) {
      addThisMachine();
    } else {
      names.add(address);
    }
    if (everyHost) {
      log.warn(
          "digitlab.allowed-hosts=*: requests for any host name are answered. A web page whose"
              + " name an attacker rebinds to this server's address can then use it as the"
              + " browser's user would (DNS rebinding); list the names instead.");
    }
  }

  /** Whether a request with this {@code Host} header (port included or not) is answered. */
  public boolean allows(String hostHeader) {
    if (everyHost || hostHeader == null) {
      // No Host header at all: no browser sends that (HTTP/1.1 requires one), so no rebinding.
      return true;
    }
    String host = normalise(stripPort(hostHeader.strip()));
    return names.contains(host) || isLoopbackLiteral(host);
  }

  /** Whether the check is off ({@code *}). */
  public boolean everyHost() {
    return everyHost;
  }

  /** The names answered, for messages. */
  public Set<String> names() {
    return Collections.unmodifiableSet(names);
  }

  private void addThisMachine() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          names.add(normalise(address.getHostAddress().replaceFirst("%.*$", "")));
        }
      }
    } catch (SocketException e) {
      log.warn("Cannot list this machine's addresses for the Host check: {}", e.getMessage());
    }
    try {
      InetAddress local = InetAddress.getLocalHost();
      names.add(normalise(local.getHostName()));
      names.add(normalise(local.getCanonicalHostName()));
    } catch (UnknownHostException e) {
      log.warn("Cannot find this machine's name for the Host check: {}", e.getMessage());
    }
  }

  /** {@code name:port}, {@code [v6]:port}, {@code [v6]} or a bare name, without the port. */
  static String stripPort(String host) {
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end < 0 ? host : host.substring(1, end);
    }
    int colon = host.indexOf(':');
    // More than one colon and no brackets: a bare IPv6 address, no port.
    return colon >= 0 && host.indexOf(':', colon + 1) < 0 ? host.substring(0, colon) : host;
  }

  private static String normalise(String host) {
    String name = host.strip().toLowerCase(Locale.ROOT);
    if (name.startsWith("[") && name.endsWith("]")) {
      name = name.substring(1, name.length() - 1);
    }
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    if (name.contains(":")) {
      try {
        // The one canonical spelling of an IPv6 literal (::1, 0:0:0:0:0:0:0:1); no lookup.
        name = InetAddress.getByName("[" + name + "]").getHostAddress().replaceFirst("%.*$", "");
        name = name.equals("0:0:0:0:0:0:0:1") ? "::1" : name;
      } catch (UnknownHostException e) {
        return name;
      }
    }
    return name;
  }

  /** 127.x.y.z or ::1 written as an address: no DNS name, so no rebinding through it. */
  private static boolean isLoopbackLiteral(String host) {
    return IPV4.matcher(host).matches() && host.startsWith("127.") || host.equals("::1");
  }
}
