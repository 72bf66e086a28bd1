package dev.digitlab.server.security;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.csrf.CsrfFilter;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.savedrequest.NullRequestCache;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Who may do what. With {@code digitlab.auth.enabled} every request needs a token or a browser
 * login, and the role decides: viewers read (GET), users also create and change experiments and
 * trials — only their own, which the handlers check with {@link Ownership} — workers only use
 * {@code /api/v1/worker/**}, admins everything, tokens included. Without it (the loopback default)
 * everything is open, as before, but the UI's forms still need their CSRF token, so that no web
 * page a user visits can post to the server on localhost.
 */
@Configuration
@EnableConfigurationProperties({AuthSettings.class, CommandSettings.class})
class SecurityConfiguration {

  private static final String[] MLFLOW_READS = {
    "/api/2.0/mlflow/runs/search",
    "/api/2.0/mlflow/experiments/search",
    "/ajax-api/2.0/mlflow/runs/search",
    "/ajax-api/2.0/mlflow/experiments/search"
  };

  private static final String[] PUBLIC = {
    "/login",
    "/css/**",
    "/js/**",
    "/webjars/**",
    "/favicon.ico",
    "/favicon.svg",
    "/actuator/health/**"
  };

  /** What a command trial's token may read: its own run (checked by id in MlflowRuns). */
  private static final String[] TRIAL_READS = {
    "/api/2.0/mlflow/runs/get", "/ajax-api/2.0/mlflow/runs/get"
  };

  /** What a command trial's token may write: its own run's metrics, params and tags. */
  private static final String[] TRIAL_WRITES = {
    "/api/2.0/mlflow/runs/log-metric",
    "/api/2.0/mlflow/runs/log-batch",
    "/api/2.0/mlflow/runs/log-parameter",
    "/api/2.0/mlflow/runs/set-tag",
    "/api/2.0/mlflow/runs/delete-tag",
    "/api/2.0/mlflow/runs/log-inputs",
    "/api/2.0/mlflow/runs/log-model",
    "/api/2.0/mlflow/runs/update",
    "/ajax-api/2.0/mlflow/runs/log-metric",
    "/ajax-api/2.0/mlflow/runs/log-batch",
    "/ajax-api/2.0/mlflow/runs/log-parameter",
    "/ajax-api/2.0/mlflow/runs/set-tag",
    "/ajax-api/2.0/mlflow/runs/update"
  };

  /** Artifact uploads through MLflow's proxy; the run in the path is checked in MlflowRuns. */
  private static final String[] MLFLOW_ARTIFACT_UPLOADS = {
    "/api/2.0/mlflow-artifacts/artifacts/**"
  };

  /**
   * No observation (span, timer) per security filter: with Actuator on the classpath Spring
   * Security wraps each of its ~13 filters in one, which cost more than a whole prediction. Every
   * request still has its {@code http.server.requests} metrics.
   */
  @Bean
  SecurityObservationSettings securityObservationSettings() {
    return SecurityObservationSettings.noObservations();
  }

  /**
   * The security headers come first of all filters, so that every response has them, even the Host
   * check's refusals; they only add headers as the response is committed.
   */
  @Bean
  FilterRegistrationBean<HeaderWriterFilter> securityHeadersFilter() {
    FilterRegistrationBean<HeaderWriterFilter> registration =
        new FilterRegistrationBean<>(SecurityHeaders.filter());
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    registration.addUrlPatterns("/*");
    return registration;
  }

  /**
   * The Host check comes next, before Spring Security's chain and any handler, for every path
   * (issue 15: DNS rebinding).
   */
  @Bean
  FilterRegistrationBean<HostFilter> hostFilter(AllowedHosts hosts) {
    FilterRegistrationBean<HostFilter> registration =
        new FilterRegistrationBean<>(new HostFilter(hosts));
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
    registration.addUrlPatterns("/*");
    return registration;
  }

  @Bean
  SecurityFilterChain securityFilterChain(
      HttpSecurity http, AuthSettings settings, TokenStore tokens, AllowedHosts hosts)
      throws Exception {
    AuthProblems problems = new AuthProblems(settings.enabled());
    RequestMatcher bearer = request -> request.getHeader(HttpHeaders.AUTHORIZATION) != null;
    // The standard serving protocols (KServe V2, MLflow's /invocations) are APIs too.
    RequestMatcher api =
        request -> {
          String path = path(request);
          return path.startsWith("/api/") || path.startsWith("/v2/") || path.equals("/invocations");
        };
    http.addFilterBefore(new CrossSiteFilter(hosts), CsrfFilter.class)
        .addFilterBefore(new CallerFilter(tokens, settings.enabled()), CsrfFilter.class)
        // API clients prove who they are with a header no other site can make a browser send:
        // they need no CSRF token. Without authentication the API is open to local clients
        // (the CLI) anyway.
        .csrf(
            csrf ->
                csrf.csrfTokenRepository(CsrfCookies.get())
                    .ignoringRequestMatchers(settings.enabled() ? bearer : api))
        // A request is never replayed after a login: the login page leads to the start page.
        .requestCache(cache -> cache.requestCache(new NullRequestCache()))
        // SecurityHeaders' filter, first of all, writes them (and these defaults) for every path.
        .headers(headers -> headers.disable())
        .exceptionHandling(
            exceptions ->
                exceptions.authenticationEntryPoint(problems).accessDeniedHandler(problems))
        .logout(logout -> logout.logoutUrl("/logout").logoutSuccessUrl("/login?logout"));
    if (settings.enabled()) {
      http.authorizeHttpRequests(
          requests ->
              requests
                  // Error pages and async (SSE) dispatches of requests that were let in already.
                  .dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.ASYNC)
                  .permitAll()
                  .requestMatchers(PUBLIC)
                  .permitAll()
                  .requestMatchers("/api/v1/tokens", "/api/v1/tokens/**")
                  .hasRole(Role.ADMIN.name())
                  .requestMatchers("/api/v1/worker/**")
                  .hasAnyRole(Role.WORKER.name(), Role.ADMIN.name())
                  // A command trial's token: its own run only (MlflowRuns checks the run id).
                  .requestMatchers(HttpMethod.GET, TRIAL_READS)
                  .hasAnyRole(
                      Role.TRIAL.name(), Role.VIEWER.name(), Role.USER.name(), Role.ADMIN.name())
                  .requestMatchers(HttpMethod.POST, TRIAL_WRITES)
                  .hasAnyRole(Role.TRIAL.name(), Role.USER.name(), Role.ADMIN.name())
                  .requestMatchers(HttpMethod.PUT, MLFLOW_ARTIFACT_UPLOADS)
                  .hasAnyRole(Role.TRIAL.name(), Role.USER.name(), Role.ADMIN.name())
                  .requestMatchers(HttpMethod.GET, "/**")
                  .hasAnyRole(Role.VIEWER.name(), Role.USER.name(), Role.ADMIN.name())
                  .requestMatchers(HttpMethod.HEAD, "/**")
                  .hasAnyRole(Role.VIEWER.name(), Role.USER.name(), Role.ADMIN.name())
                  // MLflow's searches are POSTs that only read.
                  .requestMatchers(HttpMethod.POST, MLFLOW_READS)
                  .hasAnyRole(Role.VIEWER.name(), Role.USER.name(), Role.ADMIN.name())
                  .anyRequest()
                  .hasAnyRole(Role.USER.name(), Role.ADMIN.name()));
    } else {
      http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll());
    }
    return http.build();
  }

  private static String path(HttpServletRequest request) {
    return request.getRequestURI().substring(request.getContextPath().length());
  }
}
