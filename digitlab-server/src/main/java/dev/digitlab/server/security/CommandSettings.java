package dev.digitlab.server.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitlab.commands.*}: whether this server's embedded worker runs programs.
 *
 * @param allowed the embedded worker claims command trials (capability {@code command}), from
 *     command experiments and pipeline {@code command} steps, and runs them as the server's OS user
 *     in a process group of their own ({@code digitlab server --allow-commands}); off by default,
 *     when such trials wait for a remote worker started with {@code --allow-commands}. Who may
 *     submit them is the run-commands permission's business, not this setting's.
 */
@ConfigurationProperties("digitlab.commands")
public record CommandSettings(@DefaultValue("false") boolean allowed) {}
