package dev.digitlab.server;

import dev.digitlab.server.database.Dialect;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The tracking server. By default its database is an H2 file under the data home ({@code
 * digitlab.home}); {@code spring.datasource.url} points it at PostgreSQL instead.
 */
// No generated user and password: API tokens are the only credentials (security/TokenStore).
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
public class DigitLabServer {

  public static void main(String[] args) {
    SpringApplication.run(DigitLabServer.class, args);
  }

  /** Every time decision (lease expiry, timestamps) reads this clock, so tests can set it. */
  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  Dialect dialect(DataSource dataSource) {
    return Dialect.of(dataSource);
  }
}
