package dev.digitlab.server.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Stops the server from starting, before it listens, on a non-loopback address without
 * authentication (see {@link ExposureCheck}).
 */
@Component
class ExposureGuard {

  private static final Logger log = LoggerFactory.getLogger(ExposureGuard.class);

  ExposureGuard(Environment environment, AuthSettings settings) {
    String address = environment.getProperty("server.address");
    String home = environment.getProperty("digitlab.home", "~/.digitlab");
    ExposureCheck.refusal(address, settings.enabled(), settings.insecure(), home)
        .ifPresent(
            refusal -> {
              throw new IllegalStateException(refusal);
            });
    if (ExposureCheck.insecurelyExposed(address, settings.enabled(), settings.insecure())) {
      log.warn(
          "INSECURE: listening on {} without authentication (--insecure): anyone who can reach"
              + " this port can submit, read and delete experiments.",
          address == null || address.isBlank() ? "every interface" : address);
    }
  }
}
