package dev.digitlab.server.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitlab.commands.*}: whether this server runs programs at all.
 *
 * @param allowed pipeline {@code command} steps run, as the server's OS user, inside the server's
 *     host ({@code digitlab server --allow-commands}); off by default, when a pipeline with one is
 *     refused at submit. Even when on, only admins and tokens granted {@code --can-run-commands}
 *     may submit one (with authentication off, anyone who can connect).
 */
@ConfigurationProperties("digitlab.commands")
public record CommandSettings(@DefaultValue("false") boolean allowed) {}
