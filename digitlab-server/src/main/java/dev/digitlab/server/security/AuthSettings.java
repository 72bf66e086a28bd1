package dev.digitlab.server.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitlab.auth.*}: who is let in.
 *
 * @param enabled requests need a token (API) or a login (browser); off by default, which is safe
 *     only while the server listens on a loopback address
 * @param insecure start without authentication even on a non-loopback address (with a warning)
 * @param maxSessionsPerToken browser sessions one token may hold; a login past it ends the oldest
 */
@ConfigurationProperties("digitlab.auth")
public record AuthSettings(
    @DefaultValue("false") boolean enabled,
    @DefaultValue("false") boolean insecure,
    @DefaultValue("10") int maxSessionsPerToken) {}
